package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type item struct{ ID string }

// Batch starts one goroutine per item of the request: the client decides how many.
func Batch(c echo.Context) error {
	var items []item
	if err := c.Bind(&items); err != nil {
		return err
	}
	done := make(chan struct{}, len(items))
	for _, it := range items {
		go func() {
			_ = it
			done <- struct{}{}
		}()
	}
	for range items {
		<-done
	}
	return c.NoContent(http.StatusOK)
}
