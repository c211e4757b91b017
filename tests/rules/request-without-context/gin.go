package fixtures

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
)

type users struct {
	db *sqlx.DB
}

func (u *users) list(c *gin.Context) {
	var names []string
	if err := u.db.Select(&names, "SELECT name FROM users WHERE team = $1", c.Query("team")); err != nil { // want "request-without-context"
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	rows, err := u.db.Queryx("SELECT * FROM users") // want "request-without-context"
	if err == nil {
		rows.Close()
	}
	resp, err := http.Get("http://avatars/" + c.Param("id")) // want "request-without-context"
	if err != nil {
		return
	}
	defer resp.Body.Close()
	c.JSON(http.StatusOK, names)
}

// ---- Quiet: look-alikes whose names match but whose receivers are no database or client ----

type cache struct{}

func (cache) Get(k string) string    { return k }
func (cache) Exec(q string) error    { return nil }
func (cache) Query(q string) []string { return nil }

func lookalikes(c *gin.Context, kv cache, form url.Values) {
	_ = c.Query("team")
	_ = c.Request.URL.Query()
	_ = form.Get("name")
	_ = kv.Get("k")
	_ = kv.Exec("x")
	_ = kv.Query("q")
	_ = strings.NewReader("x")
	h := c.Request.Header
	_ = h.Get("X-Id")
}

// A receiver of unknown type (declared in another file) is left alone.
func unknown(c *gin.Context, repo Repo) {
	_, _ = repo.Exec("SELECT 1")
}
