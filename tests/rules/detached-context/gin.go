package fixtures

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"
)

type Users struct {
	db    *sql.DB
	once  sync.Once
	group singleflight.Group
}

// The incident: four goroutines per request, each under a 15 s timeout cut off from the request.
func (h *Users) GetUser(c *gin.Context) {
	results := make(chan []byte, 4)
	for _, section := range []string{"a", "b", "c", "d"} {
		go func() { // want "unbounded-goroutines"
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // want "detached-context" "long-timeout"
			defer cancel()
			results <- h.fetch(ctx, section)
		}()
	}
	for range 4 {
		<-results
	}
	c.Status(http.StatusOK)
}

func (h *Users) List(c *gin.Context) {
	g, ctx := errgroup.WithContext(context.TODO()) // want "detached-context"
	g.Go(func() error { return h.db.PingContext(ctx) })
	rows, err := h.db.QueryContext(context.Background(), "SELECT 1") // want "detached-context"
	if err == nil {
		rows.Close()
	}
	bg := context.Background() // want "detached-context"
	h.fetch(bg, "x")
	_ = g.Wait()
}

// A middleware: the closure's parameter is the request.
func Timeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(context.Background(), d) // want "detached-context"
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// Written correctly: derived from the request.
func (h *Users) Good(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	h.fetch(ctx, "x")
}

// Detached on purpose, the explicit way: never reported.
func (h *Users) Audit(c *gin.Context) {
	ctx := context.WithoutCancel(c.Request.Context())
	go h.fetch(ctx, "audit") // want "unbounded-goroutines"
}

// Detached on purpose, suppressed with a reason.
func (h *Users) Warm(c *gin.Context) {
	//gohazard:ignore detached-context the cache is warmed for the next callers, bounded by warmSlots
	go h.fetch(context.Background(), "warm") // want "unbounded-goroutines"
}

// A blank parameter gives no context to use.
func (h *Users) Blank(_ *gin.Context) {
	h.fetch(context.Background(), "x")
}

// The closure's parameter shadows the gin context: `c.Request.Context()` would not compile there.
func (h *Users) Shadowed(c *gin.Context) {
	for _, name := range []string{"a"} {
		go func(c string) { // want "unbounded-goroutines"
			h.fetch(context.Background(), c)
		}(name)
	}
}

// Cleanup must run even when the request is cancelled.
func (h *Users) Update(c *gin.Context) {
	tx, err := h.db.BeginTx(c.Request.Context(), nil)
	if err != nil {
		return
	}
	defer func() {
		h.fetch(context.Background(), "rollback")
	}()
	defer release(context.Background(), tx)
	var conn pgConn
	cctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Close(cctx)
	tx.Commit()
}

// A request-free value and method expression: no call of Background.
var background = context.Background()

func (h *Users) Method(c *gin.Context) {
	f := context.Background
	_ = f
	// Assigning to an existing variable is a nil guard more often than not.
	var ctx context.Context
	if ctx == nil {
		ctx = context.Background()
	}
	_ = ctx
	// A method call on the fresh context is not one of the uses judged.
	_ = context.Background().Err()
}

// Work shared by every request must not die with the one that started it.
func (h *Users) Shared(c *gin.Context) {
	h.once.Do(func() {
		h.fetch(context.Background(), "init")
	})
	v, _, _ := h.group.Do("key", func() (any, error) {
		return h.fetch(context.Background(), "key"), nil
	})
	_ = v
	// errgroup's Go is not shared work: it runs for this request.
	var g errgroup.Group
	g.Go(func() error {
		h.fetch(context.Background(), "x") // want "detached-context"
		return nil
	})
	_ = g.Wait()
}

func (h *Users) fetch(ctx context.Context, s string) []byte { return nil }

func release(ctx context.Context, tx *sql.Tx) {}

type pgConn struct{}

func (pgConn) Close(ctx context.Context) error { return nil }
