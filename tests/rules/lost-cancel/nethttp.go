package server

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func handler(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second) // want "lost-cancel"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://upstream/", nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_ = req
	cancel()
}

func perItem(w http.ResponseWriter, r *http.Request, items []string) {
	for _, it := range items {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second) // want "lost-cancel"
		if it == "" {
			continue
		}
		_ = ctx
		cancel()
	}
}

// Correct: returned to the caller, who cancels.
func withDeadline(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	return ctx, cancel
}

// Correct: named results belong to the caller.
func named(parent context.Context) (ctx context.Context, cancel context.CancelFunc) {
	ctx, cancel = context.WithCancel(parent)
	return
}

// Correct: handed to the test framework.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Correct: handed to a timer.
func afterFunc(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	time.AfterFunc(time.Second, cancel)
	return ctx
}

// Correct: kept in a struct literal that is returned.
type job struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newJob(parent context.Context) *job {
	ctx, cancel := context.WithCancel(parent)
	return &job{ctx: ctx, cancel: cancel}
}

// Correct: nil-checked cancel.
func maybe(parent context.Context, d time.Duration) {
	var cancel context.CancelFunc
	ctx := parent
	if d > 0 {
		ctx, cancel = context.WithTimeout(parent, d)
	}
	if cancel != nil {
		defer cancel()
	}
	<-ctx.Done()
}
