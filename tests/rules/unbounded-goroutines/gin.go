package fixtures

import (
	"context"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

var sections = []string{"identity", "preferences", "devices", "activity"}

type Users struct {
	slots *semaphore.Weighted
	sem   chan struct{}
	once  sync.Once
}

func (h *Users) fetch(ctx context.Context, id, section string) ([]byte, error) { return nil, nil }

// The incident: 4 goroutines per request over a fixed list, joined through a channel.
func (h *Users) GetUser(c *gin.Context) {
	results := make(chan []byte, len(sections))
	for _, section := range sections {
		go func() { // want "unbounded-goroutines"
			data, _ := h.fetch(c.Request.Context(), c.Param("id"), section)
			results <- data
		}()
	}
	for range sections {
		<-results
	}
}

// One goroutine per id the client sends.
func (h *Users) GetMany(c *gin.Context) {
	var wg sync.WaitGroup
	for _, id := range c.QueryArray("id") {
		wg.Add(1)
		go func(id string) { // want "unbounded-goroutines"
			defer wg.Done()
			h.fetch(c.Request.Context(), id, "identity")
		}(id)
	}
	wg.Wait()
}

// A fire-and-forget goroutine on every request.
func (h *Users) Touch(c *gin.Context) {
	go h.fetch(context.Background(), c.Param("id"), "activity") // want "unbounded-goroutines" "detached-context"
	c.Status(http.StatusAccepted)
}

// A middleware's closure is a handler too.
func Audit() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		go func() { // want "unbounded-goroutines"
			record(c.FullPath())
		}()
	}
}

func record(string) {}

// A semaphore acquired inside the goroutine bounds the work, not the goroutines.
func (h *Users) Inside(c *gin.Context) {
	var wg sync.WaitGroup
	for _, id := range c.QueryArray("id") {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			h.sem <- struct{}{}
			defer func() { <-h.sem }()
			h.fetch(c.Request.Context(), id, "identity")
		}()
	}
	wg.Wait()
}

// ---- Bounded: quiet ----

// The fix of the incident: a shared semaphore answering 503, then an errgroup with a limit.
func (h *Users) GetUserCard(c *gin.Context) {
	n := int64(len(sections))
	if !h.slots.TryAcquire(n) {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "busy"})
		return
	}
	defer h.slots.Release(n)
	g, ctx := errgroup.WithContext(c.Request.Context())
	g.SetLimit(2)
	for _, section := range sections {
		g.Go(func() error {
			_, err := h.fetch(ctx, c.Param("id"), section)
			return err
		})
	}
	_ = g.Wait()
}

// A buffered-channel semaphore with a 503 when full.
func (h *Users) Select(c *gin.Context) {
	select {
	case h.sem <- struct{}{}:
		defer func() { <-h.sem }()
	default:
		c.AbortWithStatus(http.StatusServiceUnavailable)
		return
	}
	for _, id := range c.QueryArray("id") {
		go h.fetch(c.Request.Context(), id, "identity")
	}
}

// A semaphore acquired in the loop before each goroutine.
func (h *Users) PerItem(c *gin.Context) {
	sem := make(chan struct{}, 8)
	for _, id := range c.QueryArray("id") {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			h.fetch(c.Request.Context(), id, "identity")
		}()
	}
}

// Acquire with a context.
func (h *Users) Weighted(c *gin.Context) {
	for _, id := range c.QueryArray("id") {
		if err := h.slots.Acquire(c.Request.Context(), 1); err != nil {
			return
		}
		go func() {
			defer h.slots.Release(1)
			h.fetch(c.Request.Context(), id, "identity")
		}()
	}
}

// A worker pool of a fixed size.
func (h *Users) Pool(c *gin.Context) {
	const workers = 4
	jobs := make(chan string)
	for i := 0; i < workers; i++ {
		go func() {
			for id := range jobs {
				h.fetch(c.Request.Context(), id, "identity")
			}
		}()
	}
	for _, id := range c.QueryArray("id") {
		jobs <- id
	}
	close(jobs)
}

// One goroutine the handler waits for ends with the request.
func (h *Users) Joined(c *gin.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.fetch(c.Request.Context(), c.Param("id"), "identity")
	}()
	<-done
}

// A watcher that ends with the request.
func (h *Users) Watch(c *gin.Context) {
	ctx := c.Request.Context()
	go func() {
		<-ctx.Done()
		record("gone")
	}()
	c.Status(http.StatusOK)
}

// Started once per process, not per request.
func (h *Users) Lazy(c *gin.Context) {
	h.once.Do(func() {
		go record("warm")
	})
}

// A suppressed finding with its reason.
func (h *Users) Suppressed(c *gin.Context) {
	go record(c.Param("id")) //gohazard:ignore unbounded-goroutines one cheap goroutine, measured
}
