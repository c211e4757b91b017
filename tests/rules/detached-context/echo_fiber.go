package fixtures

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/labstack/echo/v4"
)

type Store struct{}

func (Store) Load(ctx context.Context, id string) (string, error) { return "", nil }

func EchoGet(s Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // want "detached-context"
		defer cancel()
		v, err := s.Load(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, v)
	}
}

func EchoGood(s Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := s.Load(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, v)
	}
}

func FiberGet(s Store) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, err := s.Load(context.TODO(), c.Params("id")) // want "detached-context"
		if err != nil {
			return err
		}
		return c.SendString(v)
	}
}

func FiberGood(c *fiber.Ctx) error {
	v, err := Store{}.Load(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.SendString(v)
}

// Registration takes no request: the routes are set up once.
func Routes(e *echo.Echo, s Store) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.Load(ctx, "warm-up")
	e.GET("/x", EchoGood(s))
}
