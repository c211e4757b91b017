package worker

import (
	"context"
	"net/http"
	"time"
)

// A health checker started per request: its ticker never stops.
func check(ctx context.Context, url string) error {
	ticker := time.NewTicker(100 * time.Millisecond) // want "ticker-not-stopped"
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
			resp, err := http.Head(url)
			if err == nil && resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
}

// Correct: stopped through a deferred closure.
func closure(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer func() {
		t.Stop()
	}()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Correct: a package `time` that is not the standard library's is ignored.
type fakeTime struct{}

func (fakeTime) NewTicker(d time.Duration) int { return 0 }

func lookalike(ctx context.Context) {
	clock := fakeTime{}
	t := clock.NewTicker(time.Second)
	_ = t
	<-ctx.Done()
}
