package fixtures

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

type Quote struct{ Price int }

func fetchQuote(sym string) Quote { return Quote{} }

func Quotes(c echo.Context) error {
	var ch = make(chan Quote)
	go func() {
		ch <- fetchQuote(c.Param("sym")) // want "goroutine-leak-send"
	}()
	if c.Param("sym") == "" {
		return errors.New("missing symbol")
	}
	return c.JSON(http.StatusOK, <-ch)
}

func Poll(c echo.Context) error {
	results := make(chan Quote)
	go func() {
		results <- fetchQuote("A") // want "goroutine-leak-send"
	}()
	select {
	case q := <-results:
		return c.JSON(http.StatusOK, q)
	default:
		return c.NoContent(http.StatusAccepted)
	}
}

// The channel is handed to another function, which may drain it.
func Handoff(c echo.Context) error {
	ch := make(chan Quote)
	go func() {
		ch <- fetchQuote("B")
	}()
	go drain(ch)
	select {
	case q := <-ch:
		return c.JSON(http.StatusOK, q)
	default:
		return nil
	}
}

func drain(ch chan Quote) {
	for range ch {
	}
}

// A loop that polls: `default` comes back round and receives later.
func Spin(c echo.Context) error {
	ch := make(chan Quote)
	go func() {
		ch <- fetchQuote("C")
	}()
	for {
		select {
		case q := <-ch:
			return c.JSON(http.StatusOK, q)
		default:
		}
	}
}

// A done channel closed by the worker, not sent on.
func Close(c echo.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fetchQuote("D")
	}()
	select {
	case <-done:
	case <-c.Request().Context().Done():
	}
	return nil
}
