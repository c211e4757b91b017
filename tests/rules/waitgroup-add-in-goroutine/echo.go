package fixtures

import (
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"
)

type Counter struct {
	n atomic.Int64
}

func (c *Counter) Add(delta int64) { c.n.Add(delta) }

type Fanout struct {
	hits  Counter
	group *sync.WaitGroup
	urls  []string
}

func Ping(c echo.Context, urls []string, wg *sync.WaitGroup) error {
	for _, u := range urls {
		go func(u string) { // want "unbounded-goroutines"
			wg.Add(1) // want "waitgroup-add-in-goroutine"
			defer wg.Done()
			http.Get(u)
		}(u)
	}
	wg.Wait()
	return c.NoContent(http.StatusOK)
}

func (f *Fanout) Run(c echo.Context) error {
	wg := &sync.WaitGroup{}
	for range f.urls {
		go func() { // want "unbounded-goroutines"
			wg.Add(1) // want "waitgroup-add-in-goroutine"
			defer wg.Done()
		}()
	}
	wg.Wait()
	return nil
}

// A counter with an Add method is not a wait group.
func (f *Fanout) Count(c echo.Context) error {
	go func() { // want "unbounded-goroutines"
		f.hits.Add(1)
	}()
	var total atomic.Int64
	go func() { // want "unbounded-goroutines"
		total.Add(1)
	}()
	return nil
}

// A field of another type named like a wait group.
type Meter struct {
	wg Counter
}

func (m *Meter) Tick() {
	go func() {
		m.wg.Add(1)
	}()
}
