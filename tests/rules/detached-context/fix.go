package fixtures

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	"github.com/labstack/echo/v4"
)

type Svc struct{}

func (Svc) fetch(ctx context.Context, id string) error { return nil }

func (s Svc) Gin(c *gin.Context) {
	for _, id := range []string{"a", "b"} {
		//gohazard:ignore unbounded-goroutines the fan-out is unbounded-goroutines' fixture, not this one
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // want "detached-context"
			defer cancel()
			s.fetch(ctx, id)
		}()
	}
}

func (s Svc) Echo(c echo.Context) error {
	return s.fetch(context.TODO(), c.Param("id")) // want "detached-context"
}

func (s Svc) Fiber(c *fiber.Ctx) error {
	return s.fetch(context.Background(), c.Params("id")) // want "detached-context"
}

func (s Svc) HTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(context.Background()) // want "detached-context"
	defer cancel()
	s.fetch(ctx, "x")
}

func (s Svc) Plain(ctx context.Context) error {
	return s.fetch(context.Background(), "x") // want "detached-context"
}
