package items

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type Item struct{ Name string }

type Repository interface {
	// Search returns the items whose fields match the selector.
	Search(ctx echo.Context, selector map[string]string, limit int) ([]Item, error)
}

type Handler struct {
	repo Repository
}

func (h *Handler) List(c echo.Context) error {
	items, err := h.repo.Search(c, map[string]string{ /* every item */ }, 100) // want "empty-filter"
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, items)
}

func (h *Handler) ListMine(c echo.Context) error {
	items, err := h.repo.Search(c, map[string]string{"owner": c.Param("user")}, 100)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, items)
}
