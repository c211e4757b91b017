package fixtures

// gohazard-fix: errgroup-setlimit

import (
	"sync"
)

func resize(path string) error { return nil }

// The WaitGroup sits in a `var ( … )` group: only its line goes, and the other lines keep their
// alignment because `results` is wider than `wg`.
func ResizeAll(paths []string) []string {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results = make([]string, 0, len(paths))
	)
	for _, p := range paths {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			if resize(p) == nil {
				mu.Lock()
				results = append(results, p)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return results
}

// A group of one: the whole declaration goes.
func ResizeEach(paths []string) {
	var (
		wg sync.WaitGroup
	)
	for _, p := range paths {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			_ = resize(p)
		}()
	}
	wg.Wait()
}
