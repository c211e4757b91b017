package fixtures

import "os"

type handle struct{ f *os.File }

func (h *handle) Close() error { return h.f.Close() }

func openHandle(p string) (*handle, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return &handle{f: f}, nil
}

func merge(hs []*handle) error { return nil }

// Every handle is needed by merge after the loop: closing them when the function returns is the
// intent.
func MergeAll(paths []string) error {
	var hs []*handle
	for _, p := range paths {
		h, err := openHandle(p)
		if err != nil {
			return err
		}
		hs = append(hs, h)
		defer h.Close()
	}
	return merge(hs)
}

// The same with the close wrapped in a function literal and a counted loop.
func MergeCounted(paths []string) error {
	hs := make([]*handle, 0, len(paths))
	for i := 0; i < len(paths); i++ {
		h, err := openHandle(paths[i])
		if err != nil {
			return err
		}
		defer func() {
			_ = h.Close()
		}()
		hs = append(hs, h)
	}
	return merge(hs)
}

// Kept in a map that the function reads after the loop.
func ByName(paths []string) error {
	byName := map[string]*handle{}
	for _, p := range paths {
		h, err := openHandle(p)
		if err != nil {
			return err
		}
		byName[p] = h
		defer h.Close()
	}
	return nil
}

// The loop acquires nothing: it schedules the release of handles opened before it.
func CloseOld(old map[string]*handle) {
	for _, h := range old {
		if h != nil {
			defer h.Close()
		}
	}
}

// The range variable is reassigned in the body: the loop opens a handle per iteration.
func Reopen(hs []*handle) {
	for _, h := range hs {
		h, _ = openHandle("x")
		defer h.Close() // want "defer-in-loop"
	}
}

// Appended to a slice declared in the body itself: it dies with the iteration.
func LocalSlice(paths []string) {
	for _, p := range paths {
		var local []*handle
		h, _ := openHandle(p)
		local = append(local, h)
		defer h.Close() // want "defer-in-loop"
		_ = merge(local)
	}
}

// Something else is appended: the handle itself is not kept.
func AppendsName(paths, names []string) []string {
	for _, p := range paths {
		h, _ := openHandle(p)
		names = append(names, p)
		defer h.Close() // want "defer-in-loop"
	}
	return names
}

func useHandle(h *handle) error { return nil }

// Each iteration closes its handle itself; the defer is only the net for the early returns.
func CloseEach(paths []string) (err error) {
	for _, p := range paths {
		h, openErr := openHandle(p)
		if openErr != nil {
			return openErr
		}
		closed := false
		defer func() {
			if !closed {
				_ = h.Close()
			}
		}()
		if err := useHandle(h); err != nil {
			return err
		}
		err = h.Close()
		closed = true
	}
	return err
}

// A `continue` can skip the close, so the deferred ones pile up.
func CloseEachOrSkip(paths []string) {
	for _, p := range paths {
		h, _ := openHandle(p)
		defer h.Close() // want "defer-in-loop"
		if p == "" {
			continue
		}
		h.Close()
	}
}

// Closed only under a condition: the other iterations keep theirs.
func CloseSome(paths []string) {
	for _, p := range paths {
		h, _ := openHandle(p)
		defer h.Close() // want "defer-in-loop"
		if p == "" {
			h.Close()
		}
	}
}
