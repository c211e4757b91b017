package handlers

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
)

type Repo struct {
	pool *pgxpool.Pool
	dbx  *sqlx.DB
}

type Item struct{ ID int }

// pgx: the status check returns before the close.
func (r *Repo) Items(c echo.Context) error {
	rows, err := r.pool.Query(c.Request().Context(), "SELECT id FROM items") // want "unclosed-rows"
	if err != nil {
		return err
	}
	if c.QueryParam("dry") != "" {
		return c.NoContent(http.StatusNoContent)
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// sqlx: never closed.
func (r *Repo) Names(c echo.Context) error {
	rows, err := r.dbx.Queryx("SELECT name FROM items") // want "unclosed-rows" "request-without-context"
	if err != nil {
		return err
	}
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.StructScan(&it); err != nil {
			return err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// Correct: a helper takes the rows and closes them.
func (r *Repo) Helper(c echo.Context) error {
	rows, err := r.dbx.QueryxContext(c.Request().Context(), "SELECT id FROM items")
	if err != nil {
		return err
	}
	items, err := scanItems(rows)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, items)
}

func scanItems(rows *sqlx.Rows) ([]Item, error) {
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.StructScan(&it); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Correct: returned to the caller.
func (r *Repo) open(ctx context.Context) (*sqlx.Rows, error) {
	rows, err := r.dbx.QueryxContext(ctx, "SELECT id FROM items")
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Correct: a deferred closure closes and reports the error.
func (r *Repo) Closure(ctx context.Context) (err error) {
	rows, err := r.dbx.QueryxContext(ctx, "SELECT id FROM items")
	if err != nil {
		return err
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for rows.Next() {
	}
	return rows.Err()
}
