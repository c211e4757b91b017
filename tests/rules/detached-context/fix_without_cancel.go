package fixtures

// gohazard-fix: without-cancel

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
)

type Auditor struct{}

func (Auditor) record(ctx context.Context, event string) error { return nil }

// The audit record is written after the response on purpose: keep the request's values, drop its
// cancellation, and bound it with a timeout of its own.
func (a Auditor) Handle(c *gin.Context) {
	//gohazard:ignore unbounded-goroutines one audit goroutine per request, tested by unbounded-goroutines
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // want "detached-context"
		defer cancel()
		a.record(ctx, "viewed")
	}()
}
