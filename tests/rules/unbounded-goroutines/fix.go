package fixtures

// gohazard-fix: errgroup-setlimit

import (
	"context"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

type Store struct{}

func (Store) Load(ctx context.Context, id string) error { return nil }

type API struct {
	store Store
	mu    sync.Mutex
	seen  map[string]bool
}

// The request's context reaches the goroutines through the group's.
func (a *API) LoadAll(c *gin.Context) {
	var wg sync.WaitGroup
	for _, id := range c.QueryArray("id") {
		wg.Add(1)
		go func(id string) { // want "unbounded-goroutines"
			defer wg.Done()
			if err := a.store.Load(c.Request.Context(), id); err != nil {
				return
			}
			a.mu.Lock()
			a.seen[id] = true
			a.mu.Unlock()
		}(id)
	}
	wg.Wait()
	c.Status(http.StatusOK)
}

// A parameter under another name becomes a variable of the loop body; `sync` stays for the Mutex.
func (a *API) Touch(c *gin.Context) {
	var wg sync.WaitGroup
	for i, key := range c.QueryArray("key") {
		wg.Add(1)
		go func(n int, k string) { // want "unbounded-goroutines"
			defer wg.Done()
			_ = a.store.Load(c.Request.Context(), k)
			_ = n
			return
		}(i, key)
	}
	wg.Wait()
}
