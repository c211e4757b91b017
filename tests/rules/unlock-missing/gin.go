package handlers

import (
	"errors"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

var ErrMiss = errors.New("miss")

type Cache struct {
	mu    sync.RWMutex
	items map[string]string
}

// The miss returns with the read lock held.
func (c *Cache) Get(ctx *gin.Context) {
	c.mu.RLock() // want "unlock-missing"
	v, ok := c.items[ctx.Param("k")]
	if !ok {
		ctx.Status(http.StatusNotFound)
		return
	}
	c.mu.RUnlock()
	ctx.String(http.StatusOK, v)
}

// A validation error leaves the write lock held.
func (c *Cache) Put(ctx *gin.Context) {
	c.mu.Lock() // want "unlock-missing"
	k := ctx.Param("k")
	switch {
	case k == "":
		ctx.Status(http.StatusBadRequest)
		return
	default:
		c.items[k] = ctx.Query("v")
	}
	c.mu.Unlock()
	ctx.Status(http.StatusNoContent)
}

// Correct: deferred.
func (c *Cache) Del(ctx *gin.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[ctx.Param("k")]; !ok {
		ctx.Status(http.StatusNotFound)
		return
	}
	delete(c.items, ctx.Param("k"))
}

// Correct: unlocked before every return.
func (c *Cache) Has(k string) bool {
	c.mu.RLock()
	if c.items == nil {
		c.mu.RUnlock()
		return false
	}
	_, ok := c.items[k]
	c.mu.RUnlock()
	return ok
}

// Correct: the name says the lock is the caller's to release.
func (c *Cache) lockForWrite() *Cache {
	c.mu.Lock()
	if c.items == nil {
		c.items = map[string]string{}
		return c
	}
	c.mu.Unlock()
	c.mu.Lock()
	return c
}

// Correct: locks for the caller, who unlocks.
func (c *Cache) Acquire() {
	c.mu.Lock()
}

// Correct: a deferred unlock covers re-locking after slow work.
func (c *Cache) Refresh(load func() map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.Unlock()
	fresh := load()
	c.mu.Lock()
	if fresh == nil {
		return
	}
	c.items = fresh
}
