package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type Poller struct {
	ticker *time.Ticker
}

func Poll(c echo.Context) error {
	var t = time.NewTicker(time.Second) // want "ticker-not-stopped"
	for {
		select {
		case <-c.Request().Context().Done():
			return c.NoContent(http.StatusRequestTimeout)
		case <-t.C:
			if c.QueryParam("once") != "" {
				return c.NoContent(http.StatusOK)
			}
		}
	}
}

// Correct: stored in a field; Close stops it.
func (p *Poller) Start() {
	t := time.NewTicker(time.Minute)
	p.ticker = t
}

// Correct: returned to the caller.
func newTicker(d time.Duration) *time.Ticker {
	t := time.NewTicker(d)
	return t
}

// Correct: a Reset loop that stops on one way out only.
func debounce(ctx context.Context, in <-chan string, flush func()) {
	timer := time.NewTimer(time.Second)
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-in:
			timer.Reset(time.Second)
		case <-timer.C:
			flush()
		}
	}
}

// Correct: a goroutine owns the ticker.
func background(ctx context.Context) {
	t := time.NewTicker(time.Second)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
