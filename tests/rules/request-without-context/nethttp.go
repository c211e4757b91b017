package fixtures

import (
	"context"
	"database/sql"
	"net"
	"net/http"
	"os/exec"
	"time"
)

type store struct {
	db     *sql.DB
	client *http.Client
	base   string
}

func (s *store) user(w http.ResponseWriter, r *http.Request) {
	row := s.db.QueryRow("SELECT name FROM users WHERE id = $1", r.URL.Query().Get("id")) // want "request-without-context"
	var name string
	_ = row.Scan(&name)
	req, err := http.NewRequest(http.MethodGet, s.base+"/avatar", nil) // want "request-without-context"
	if err != nil {
		return
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
}

func (s *store) audit(ctx context.Context, id string) error {
	_, err := s.db.Exec("INSERT INTO audit(id) VALUES ($1)", id) // want "request-without-context"
	return err
}

func convert(ctx context.Context, in string) error {
	return exec.Command("convert", in, "out.png").Run() // want "request-without-context"
}

func probe(ctx context.Context, addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second) // want "request-without-context"
	if err != nil {
		return err
	}
	return conn.Close()
}

func transfer(ctx context.Context, db *sql.DB) error {
	tx, err := db.Begin() // want "request-without-context"
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec("UPDATE accounts SET n = n - 1"); err != nil { // want "request-without-context"
		return err
	}
	return tx.Commit()
}

func opened(ctx context.Context, dsn string) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	stmt, err := db.Prepare("SELECT 1") // want "request-without-context"
	if err != nil {
		return err
	}
	_, err = stmt.Exec() // want "request-without-context"
	return err
}

func deriveTimeout(ctx context.Context, client *http.Client, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	resp, err := client.Get(u) // want "request-without-context"
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// ---- Quiet ----

// No context in reach.
func background(db *sql.DB) error {
	_, err := db.Exec("VACUUM")
	return err
}

// The request gets its context afterwards (a noctx false alarm).
func laterContext(ctx context.Context, u string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return req.WithContext(ctx), nil
}

// Cleanup must run after cancellation; fire-and-forget work must outlive the request.
func cleanup(ctx context.Context, db *sql.DB) {
	defer db.Exec("UNLOCK TABLES")
	defer func() {
		_, _ = db.Exec("DELETE FROM locks")
	}()
	go func() {
		_ = exec.Command("reindex").Run()
	}()
}

// Already context-aware.
func aware(ctx context.Context, db *sql.DB, u string) error {
	_, err := db.ExecContext(ctx, "SELECT 1")
	if err != nil {
		return err
	}
	_, err = http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	return err
}

// A closure parameter shadows the context's name with something else.
func shadowed(ctx context.Context, db *sql.DB, run func(func(ctx string))) {
	run(func(ctx string) {
		_, _ = db.Exec(ctx)
	})
}

// After the context is done, shutdown work needs to run anyway.
func drain(ctx context.Context, db *sql.DB) {
	<-ctx.Done()
	_, _ = db.Exec("UPDATE workers SET state = 'stopped'")
}

// A parameter named _ is no usable context.
func unnamed(_ context.Context, db *sql.DB) {
	_, _ = db.Exec("SELECT 1")
}
