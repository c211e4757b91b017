package fixtures

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

const upstreamTimeout = 15 * time.Second

const (
	shortTimeout = 2 * time.Second
	slowTimeout  = time.Minute
)

type Service struct{}

func (s *Service) fetch(ctx context.Context, id string) error { return nil }

// The incident: a detached 15 s timeout in goroutines started by a handler.
func GetUser(c *gin.Context) {
	s := &Service{}
	for i := 0; i < 4; i++ {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // want "long-timeout" "detached-context"
			defer cancel()
			_ = s.fetch(ctx, c.Param("id"))
		}()
	}
}

// Derived from the request, but still longer than the limit: a plain gin request has no deadline.
func GetOrders(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Minute+30*time.Second) // want "long-timeout"
	defer cancel()
	_ = ctx
}

// A constant of the file is followed.
func GetProfile(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), upstreamTimeout) // want "long-timeout"
	defer cancel()
	_ = ctx
}

func GetHistory(c *gin.Context) {
	deadline := time.Now().Add(slowTimeout) // not a WithDeadline argument: not read
	ctx, cancel := context.WithDeadline(c.Request.Context(), time.Now().Add(time.Duration(45)*time.Second)) // want "long-timeout"
	defer cancel()
	_, _ = ctx, deadline
}

// A client built per request.
func Proxy(c *gin.Context) {
	client := &http.Client{Timeout: 30 * time.Second} // want "long-timeout"
	_ = client
}

// A wait in a handler.
func Poll(c *gin.Context) {
	select {
	case <-c.Request.Context().Done():
	case <-time.After(time.Minute): // want "long-timeout"
	}
}

// Short budgets derived from the request are fine.
func GetCard(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), shortTimeout)
	defer cancel()
	ctx2, cancel2 := context.WithTimeout(ctx, 10*time.Second) // at the limit, not above it
	defer cancel2()
	ctx3, cancel3 := context.WithDeadline(ctx, time.Now().Add(500*time.Millisecond))
	defer cancel3()
	_, _ = ctx2, ctx3
	select {
	case <-ctx.Done():
	case <-time.After(3 * time.Second):
	}
}

// Durations the rule cannot evaluate are left alone.
func GetConfigured(c *gin.Context, cfg struct{ Timeout time.Duration }) {
	timeout := 30 * time.Second
	ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
	defer cancel()
	ctx2, cancel2 := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel2()
	ctx3, cancel3 := context.WithTimeout(ctx2, time.Duration(retries())*time.Minute)
	defer cancel3()
	_ = ctx3
}

func retries() int { return 3 }

// A local variable shadows the file's constant: its value is unknown.
func Shadowed(c *gin.Context) {
	upstreamTimeout := time.Second
	ctx, cancel := context.WithTimeout(c.Request.Context(), upstreamTimeout)
	defer cancel()
	_ = ctx
}
