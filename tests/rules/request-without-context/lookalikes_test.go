package fixtures

import (
	"context"
	"database/sql"
	"testing"
)

func helper(ctx context.Context, t *testing.T, db *sql.DB) {
	if _, err := db.Exec("DELETE FROM users"); err != nil {
		t.Fatal(err)
	}
}
