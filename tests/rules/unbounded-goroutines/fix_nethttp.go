package fixtures

// gohazard-fix: errgroup-setlimit

import (
	"context"
	"net/http"
	"sync"
)

func ping(ctx context.Context, host string) {}

// A net/http handler: the group derives from r.Context(); the WaitGroup was made with new.
func PingAll(w http.ResponseWriter, r *http.Request) {
	hosts := r.URL.Query()["host"]
	wg := new(sync.WaitGroup)
	for _, h := range hosts {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			ping(r.Context(), h)
		}()
	}
	wg.Wait()
	w.WriteHeader(http.StatusNoContent)
}

// A service method: the group derives from the ctx parameter.
func PingEach(ctx context.Context, hosts []string) {
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			ping(ctx, h)
		}()
	}
	wg.Wait()
}
