package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

func Report(c echo.Context) error {
	ctx, cancel := context.WithDeadline(c.Request().Context(), time.Now().Add(3*time.Second)) // want "lost-cancel"
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Second):
	}
	cancel()
	return c.NoContent(http.StatusOK)
}

func Cause(c echo.Context) error {
	ctx, cancel := context.WithCancelCause(c.Request().Context()) // want "lost-cancel"
	if c.QueryParam("x") == "" {
		return c.NoContent(http.StatusBadRequest)
	}
	cancel(errors.New("done"))
	_ = ctx
	return nil
}

// Correct: a deferred closure cancels.
func Closure(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), time.Second)
	defer func() {
		cancel()
	}()
	<-ctx.Done()
	return nil
}

// Correct: handed to a goroutine that owns it.
func background(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	go func() {
		defer cancel()
		<-ctx.Done()
	}()
}

// Correct: cancel called on both branches.
func Branches(c echo.Context) error {
	ctx, cancel := context.WithCancel(c.Request().Context())
	if c.QueryParam("fast") != "" {
		cancel()
		return nil
	}
	<-ctx.Done()
	cancel()
	return nil
}
