package fixtures

import (
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/gin-gonic/gin"
)

type Server struct {
	dir string
	db  *sql.DB
	mu  sync.Mutex
}

func (s *Server) Export(c *gin.Context) {
	for _, name := range c.QueryArray("file") {
		f, err := os.Open(filepath.Join(s.dir, name))
		if err != nil {
			c.AbortWithStatus(http.StatusNotFound)
			return
		}
		defer f.Close() // want "defer-in-loop"
		io.Copy(c.Writer, f)
	}
}

func (s *Server) Counts(c *gin.Context) {
	counts := map[string]int{}
	for _, table := range []string{"users", "orders"} {
		rows, err := s.db.QueryContext(c.Request.Context(), "SELECT count(*) FROM "+table)
		if err != nil {
			continue
		}
		defer rows.Close() // want "defer-in-loop"
		for rows.Next() { // want "unclosed-rows"
			var n int
			rows.Scan(&n)
			counts[table] += n
		}
	}
	c.JSON(http.StatusOK, counts)
}

func (s *Server) Touch(c *gin.Context) {
	for i := 0; i < 3; i++ {
		switch i {
		case 1:
			s.mu.Lock()
			defer s.mu.Unlock() // want "defer-in-loop"
		}
	}
}

// Each iteration has its own function: the deferred close runs at the end of the iteration.
func (s *Server) ExportWrapped(c *gin.Context) {
	for _, name := range c.QueryArray("file") {
		func() {
			f, err := os.Open(filepath.Join(s.dir, name))
			if err != nil {
				return
			}
			defer f.Close()
			io.Copy(c.Writer, f)
		}()
	}
}

// The retry loop defers the close only once, right before leaving the loop.
func (s *Server) FirstReachable(c *gin.Context) {
	for _, name := range c.QueryArray("file") {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		defer f.Close()
		io.Copy(c.Writer, f)
		break
	}
}

// The defer sits in a branch that returns: it runs at most once.
func (s *Server) FirstMatch(c *gin.Context) {
	for _, name := range c.QueryArray("file") {
		if filepath.Ext(name) == ".csv" {
			f, err := os.Open(name)
			if err != nil {
				return
			}
			defer f.Close()
			io.Copy(c.Writer, f)
			return
		}
	}
}
