package store

import (
	"context"
	"database/sql"
)

func fixLate(ctx context.Context, db *sql.DB) ([]int, error) {
	rows, err := db.QueryContext(ctx, "SELECT id FROM t") // want "unclosed-rows"
	if err != nil {
		return nil, err
	}
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	defer rows.Close()
	return ids, rows.Err()
}

func fixNever(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "DELETE FROM t RETURNING id") // want "unclosed-rows"
	if err != nil {
		return err
	}
	return rows.Err()
}
