package handlers

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

var (
	mu      sync.Mutex
	counter = map[string]int{}
)

func Count(c echo.Context) error {
	mu.Lock() // want "unlock-missing"
	n := counter[c.Param("k")]
	if n > 100 {
		return c.NoContent(http.StatusTooManyRequests)
	}
	counter[c.Param("k")] = n + 1
	mu.Unlock()
	return c.NoContent(http.StatusOK)
}

func Batch(c echo.Context, keys []string) error {
	for _, k := range keys {
		mu.Lock() // want "unlock-missing"
		if counter[k] == 0 {
			continue
		}
		counter[k]--
		mu.Unlock()
	}
	return nil
}

// Correct: a deferred closure unlocks.
func Reset(c echo.Context) error {
	mu.Lock()
	defer func() {
		mu.Unlock()
	}()
	if c.Param("k") == "" {
		return nil
	}
	counter = map[string]int{}
	return nil
}

// Correct: unlocked through a helper.
type guarded struct{ mu sync.Mutex }

func (g *guarded) unlock() { g.mu.Unlock() }

func (g *guarded) Work(c echo.Context) error {
	g.mu.Lock()
	defer g.unlock()
	if c.Param("k") == "" {
		return nil
	}
	g.mu.Unlock()
	return nil
}

// Correct: a lock that takes a context is another API.
type distLock interface {
	Lock(ctx interface{}) error
	Unlock(ctx interface{}) error
}

func Dist(c echo.Context, l distLock) error {
	if err := l.Lock(c.Request().Context()); err != nil {
		return err
	}
	return l.Unlock(c.Request().Context())
}
