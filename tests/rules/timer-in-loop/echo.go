package fixtures

import (
	"net/http"
	tm "time"

	"github.com/labstack/echo/v4"
)

type Hub struct {
	in   chan []byte
	wait tm.Duration
}

func (h *Hub) Serve(c echo.Context) error {
	for {
		select {
		case msg := <-h.in:
			c.Response().Write(msg)
		case <-tm.After(h.wait): // want "timer-in-loop"
			return c.NoContent(http.StatusRequestTimeout)
		}
	}
}

func (h *Hub) Every(c echo.Context) error {
	for range tm.Tick(tm.Second) { // want "timer-in-loop"
		if _, err := c.Response().Write([]byte("ping\n")); err != nil {
			return err
		}
	}
	return nil
}

// A background goroutine that runs for the life of the process: an endless function.
func (h *Hub) Start() {
	go func() {
		for range tm.Tick(tm.Minute) {
			h.in <- []byte("tick")
		}
	}()
}
