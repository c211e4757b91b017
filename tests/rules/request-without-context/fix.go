package fixtures

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"os/exec"

	"github.com/gin-gonic/gin"
)

const maxBodyBytes = 1 << 20

type api struct {
	db     *sql.DB
	client *http.Client
}

func (a *api) get(c *gin.Context) {
	rows, err := a.db.Query("SELECT id FROM users WHERE team = $1", c.Param("team")) // want "request-without-context"
	if err != nil {
		return
	}
	defer rows.Close()
	resp, err := a.client.Get("http://profiles/" + c.Param("id")) // want "request-without-context"
	if err != nil {
		return
	}
	defer resp.Body.Close()
	_, _ = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
}

func (a *api) ping(w http.ResponseWriter, r *http.Request) {
	if err := a.db.Ping(); err != nil { // want "request-without-context"
		http.Error(w, "down", http.StatusServiceUnavailable)
	}
	req, err := http.NewRequest(http.MethodGet, "http://upstream/health", nil) // want "request-without-context"
	if err != nil {
		return
	}
	_ = req
}

func run(ctx context.Context, addr string) error {
	if err := exec.Command("sync").Run(); err != nil { // want "request-without-context"
		return err
	}
	conn, err := net.Dial("tcp", addr) // want "request-without-context"
	if err != nil {
		return err
	}
	return conn.Close()
}
