package fixtures

import (
	"context"
	"time"
)

func attempt() error { return nil }

// The backoff wait gives up on cancellation, and the next iteration returns at its top: the loop
// goes round through the `ctx.Done()` case at most once.
func RetryUntilDone(ctx context.Context, backoff time.Duration) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if err := attempt(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
}

// Nothing else in the loop stops on `ctx.Done()`: once it is closed, the loop spins and every
// round creates a timer.
func RetryForever(ctx context.Context, backoff time.Duration) {
	for {
		_ = attempt()
		select {
		case <-ctx.Done():
		case <-time.After(backoff): // want "timer-in-loop"
		}
	}
}
