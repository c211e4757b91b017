package fixtures

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Derived from the request, but 30 s is still how long this request's work may run.
func EchoProfile(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 30*time.Second) // want "long-timeout"
	defer cancel()
	_ = ctx
	return c.NoContent(http.StatusOK)
}

// A short budget is fine.
func EchoQuick(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	_ = ctx
	return c.NoContent(http.StatusOK)
}
