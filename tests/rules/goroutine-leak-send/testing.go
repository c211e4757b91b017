package fixtures

import (
	"context"
	"testing"
	"time"
)

func step() {}

// The timeout case fails the test: the goroutine stays behind only on a run that already failed.
func TestNoDeadlock(t *testing.T) {
	for range 10 {
		done := make(chan struct{})
		go func() {
			step()
			done <- struct{}{}
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Error("deadlock")
			t.FailNow()
		}
	}
}

// A helper in test code whose exit goes on normally still leaks the goroutine.
func waitStep(ctx context.Context) bool {
	done := make(chan struct{})
	go func() {
		step()
		done <- struct{}{} // want "goroutine-leak-send"
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
