package fixtures

import (
	"database/sql"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// The incident: a copy-pasted Next at the end of a logging middleware.
func LoggingMiddleware() gin.HandlerFunc {
	return func(ctx *gin.Context) {
		ctx.Set("start", time.Now().UnixMilli())
		ctx.Next()
		if strings.HasPrefix(ctx.Request.URL.Path, "/special") {
			debug(ctx)
		} else {
			info(ctx)
		}
		ctx.Next() // want "double-next"
	}
}

// The parameter name does not matter; the type does.
func Timing(gc *gin.Context) {
	gc.Next()
	record(gc)
	gc.Next() // want "double-next"
}

// Twice after a branch that did not return.
func Auth(c *gin.Context) {
	if c.GetHeader("X-Debug") != "" {
		c.Next()
	}
	c.Next() // want "double-next"
}

// Inside a switch case, after a first call before the switch.
func Tenant(c *gin.Context) {
	c.Next()
	switch c.GetHeader("X-Tenant") {
	case "a":
		c.Next() // want "double-next"
	}
}

// ---- Look-alikes that must stay quiet ----

// Exclusive branches: each path runs the chain once.
func Branches(c *gin.Context) {
	if c.GetHeader("X-Skip") != "" {
		c.Next()
	} else {
		c.Next()
	}
}

// An early return after the first call.
func EarlyReturn(c *gin.Context) {
	if c.GetHeader("X-Fast") != "" {
		c.Next()
		return
	}
	c.Next()
}

// Different switch cases.
func Cases(c *gin.Context) {
	switch c.Request.Method {
	case "GET":
		c.Next()
	case "POST":
		c.Next()
	default:
		c.AbortWithStatus(405)
	}
}

// A panic ends the path.
func Panics(c *gin.Context) {
	c.Next()
	if c.IsAborted() {
		panic("aborted")
	}
}

// An iterator's Next is not a chain.
func Rows(db *sql.DB) {
	rows, _ := db.Query("select 1") // want "unclosed-rows"
	for rows.Next() { // want "unclosed-rows"
	}
	rows.Next()
	rows.Next()
}

type Iter struct{}

func (it *Iter) Next() bool { return false }

func Iterate(it *Iter) {
	it.Next()
	it.Next()
}

// A Context of another package is not gin's.
type Context struct{}

func (c *Context) Next() {}

func Own(c *Context) {
	c.Next()
	c.Next()
}

// Two different middlewares, each calling Next once.
func First(c *gin.Context)  { c.Next() }
func Second(c *gin.Context) { c.Next() }

// A goroutine's closure runs at another time; one call each.
func Background(c *gin.Context) {
	c.Next()
	go func() { // want "unbounded-goroutines"
		c.Next()
	}()
}

func debug(*gin.Context)  {}
func info(*gin.Context)   {}
func record(*gin.Context) {}
