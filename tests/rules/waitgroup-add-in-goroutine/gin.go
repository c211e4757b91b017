package fixtures

import (
	"context"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

type Cache interface {
	Load(ctx context.Context, key string)
}

type Handler struct {
	cache Cache
	keys  []string
	wg    sync.WaitGroup
	base  context.Context
}

func (h *Handler) Warm(c *gin.Context) {
	var wg sync.WaitGroup
	for _, key := range h.keys {
		go func() { // want "unbounded-goroutines"
			wg.Add(1) // want "waitgroup-add-in-goroutine"
			defer wg.Done()
			h.cache.Load(c.Request.Context(), key)
		}()
	}
	wg.Wait()
	c.Status(http.StatusNoContent)
}

func (h *Handler) Background(c *gin.Context) {
	go func() { // want "unbounded-goroutines"
		// Count the refresh so Close can wait for it.
		h.wg.Add(1) // want "waitgroup-add-in-goroutine"
		defer h.wg.Done()
		h.cache.Load(h.base, "all")
	}()
	c.Status(http.StatusAccepted)
}

func (h *Handler) Close() {
	h.wg.Wait()
}

// Added before the goroutine starts: correct.
func (h *Handler) WarmRight(c *gin.Context) {
	var wg sync.WaitGroup
	for _, key := range h.keys {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			h.cache.Load(c.Request.Context(), key)
		}()
	}
	wg.Wait()
}

// The goroutine adds to its own group and waits for it itself: no race with the parent.
func (h *Handler) Nested(c *gin.Context) {
	go func() { // want "unbounded-goroutines"
		var inner sync.WaitGroup
		inner.Add(1)
		go func() {
			defer inner.Done()
		}()
		inner.Wait()
	}()
	go func() { // want "unbounded-goroutines"
		h.wg.Add(1)
		go func() { h.wg.Done() }()
		h.wg.Wait()
	}()
}

// A later Add counts work that the goroutine starts itself (go vet ignores it too).
func (h *Handler) Later(c *gin.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		wg.Add(1)
		go func() { defer wg.Done() }()
	}()
	wg.Wait()
}
