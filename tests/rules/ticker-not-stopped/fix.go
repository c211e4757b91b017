package worker

import (
	"context"
	"time"
)

func fixTicker(ctx context.Context, work func()) {
	t := time.NewTicker(time.Second) // want "ticker-not-stopped"
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			work()
		}
	}
}

func fixTimer(ctx context.Context) error {
	timer := time.NewTimer(time.Second) // want "ticker-not-stopped"
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
