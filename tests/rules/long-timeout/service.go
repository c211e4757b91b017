package fixtures

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type Users struct {
	client *http.Client
}

// Built once at start-up: a bound for every call, not per-request state.
var sharedClient = &http.Client{Timeout: 30 * time.Second}

// A constructor is not on a request path.
func NewUsers() *Users {
	return &Users{client: &http.Client{Timeout: 20 * time.Second}}
}

// A service method taking the caller's context that sets a detached 15 s timeout: the incident.
func (u *Users) GetUserInfo(ctx context.Context, userID string) error {
	tctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // want "long-timeout" "detached-context"
	defer cancel()
	_ = tctx
	return nil
}

func (u *Users) Refresh(ctx context.Context) error {
	tctx, cancel := context.WithDeadline(context.TODO(), time.Now().Add(time.Hour)) // want "long-timeout" "detached-context"
	defer cancel()
	_ = tctx
	return nil
}

// Derived from the caller's context: capped by the caller's deadline, which the rule cannot see,
// and possibly a worker. Not reported.
func (u *Users) Sync(ctx context.Context) error {
	tctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	_ = tctx
	return nil
}

// A worker loop waiting between rounds, with a plain context: not a handler.
func (u *Users) poll(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
	}
}

// A detached timeout with no request anywhere in reach is not on a request path.
func (u *Users) warmUp() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = ctx
}

// echo handlers, and a closure started in one.
func (u *Users) Export(c echo.Context) error {
	go func() { // want "unbounded-goroutines"
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 90*time.Second) // want "long-timeout"
		defer cancel()
		_ = ctx
	}()
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	_ = ctx
	return nil
}

// A handler factory builds its client once, outside the handler it returns.
func ExportHandler() echo.HandlerFunc {
	client := &http.Client{Timeout: time.Minute}
	return func(c echo.Context) error {
		_ = client
		return nil
	}
}
