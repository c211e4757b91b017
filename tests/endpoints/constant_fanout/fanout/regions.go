package fanout

import (
	"context"
	"sync"
)

var regions = []string{"eu", "us"}

// Regions starts one goroutine per region: two, a constant.
func Regions(ctx context.Context) {
	var wg sync.WaitGroup
	for _, region := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = region
		}()
	}
	wg.Wait()
}
