package fixtures

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// echo: the wrapped handler called again after checking the first call's error.
func Retry(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			return err
		}
		return next(c) // want "double-next"
	}
}

// net/http and chi: next.ServeHTTP twice.
func Logger(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		logRequest(r)
		next.ServeHTTP(w, r) // want "double-next"
	})
}

// An http.HandlerFunc parameter called directly.
func Wrap(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		next(w, r)
		next(w, r.WithContext(r.Context())) // want "double-next"
	}
}

// A struct middleware.
type limiter struct{ next http.Handler }

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.next.ServeHTTP(w, r)
	l.next.ServeHTTP(w, r) // want "double-next"
}

// ---- Look-alikes that must stay quiet ----

func EchoOnce(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodOptions {
			return next(c)
		}
		return next(c)
	}
}

func Fallback(primary, secondary http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Old") != "" {
			secondary.ServeHTTP(w, r)
			return
		}
		primary.ServeHTTP(w, r)
	})
}

// Two different handlers on one path are a fan-out, not a repeated chain.
func Mirror(a, b http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.ServeHTTP(w, r)
		b.ServeHTTP(w, r)
	})
}

// A loop over a list of handlers.
func Chain(hs []http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range hs {
			h.ServeHTTP(w, r)
		}
	})
}

// A local func named next is not the wrapped handler.
func Local(c echo.Context) error {
	next := func(echo.Context) error { return nil }
	_ = next(c)
	return next(c)
}

func logRequest(*http.Request) {}
