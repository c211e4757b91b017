package fixtures

// gohazard-fix: errgroup-setlimit

import (
	"os"
	"sync"
)

func resize(path string) error { return nil }

// No request in reach and no context used: a plain group, and `sync` goes with the WaitGroup.
func ResizeAll(paths []string) {
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			if err := resize(p); err != nil {
				os.Stderr.WriteString(err.Error())
			}
		}()
	}
	wg.Wait()
}
