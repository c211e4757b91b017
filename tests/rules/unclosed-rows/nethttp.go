package store

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
)

// Unknown receiver type, but iterated like rows; the loop's continue skips the close.
func Export(w http.ResponseWriter, r *http.Request, conns map[string]interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) {
	db := conns["main"]
	for _, table := range []string{"a", "b"} {
		rows, err := db.QueryContext(r.Context(), "SELECT * FROM "+table) // want "unclosed-rows"
		if err != nil {
			continue
		}
		if table == "a" {
			continue
		}
		for rows.Next() {
		}
		if rows.Err() != nil {
			return
		}
		rows.Close()
	}
}

// A transaction's query, never closed.
func Count(ctx context.Context, tx *sql.Tx) (int, error) {
	rows, err := tx.QueryContext(ctx, "SELECT count(*) FROM t") // want "unclosed-rows"
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// A handle from sql.Open.
func Ping(dsn string) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	rows, err := db.Query("SELECT 1") // want "unclosed-rows"
	if err != nil {
		return err
	}
	if !rows.Next() {
		return sql.ErrNoRows
	}
	return nil
}

// Correct: url.Values and other Query methods are not rows.
type search struct{}

func (search) Query(q string, n int) (string, error) { return q, nil }

func Lookalikes(r *http.Request, s search) (string, error) {
	v := r.URL.Query()
	u, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	res, err := s.Query(v.Get("q")+u.Get("x"), 3)
	if err != nil {
		return "", err
	}
	return res, nil
}

// Correct: sent to another goroutine that owns the rows.
func Stream(ctx context.Context, db *sql.DB, out chan<- *sql.Rows) error {
	rows, err := db.QueryContext(ctx, "SELECT 1")
	if err != nil {
		return err
	}
	out <- rows
	return nil
}

// Correct: stored in a struct field.
type cursor struct{ rows *sql.Rows }

func (c *cursor) Open(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT 1")
	if err != nil {
		return err
	}
	c.rows = rows
	return nil
}

// Correct: closed on the error path of the loop too.
func Names(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM t")
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	rows.Close()
	return out, rows.Err()
}
