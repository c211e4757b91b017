package handlers

import (
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"
)

type API struct {
	db *sql.DB
}

// The Scan error returns with the rows open.
func (a *API) Users(c *gin.Context) {
	rows, err := a.db.QueryContext(c.Request.Context(), "SELECT name FROM users WHERE team = ?", c.Query("team")) // want "unclosed-rows"
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.JSON(http.StatusOK, names)
}

// Closed, but the loop's error is never checked.
func (a *API) Teams(c *gin.Context) {
	rows, err := a.db.QueryContext(c.Request.Context(), "SELECT id FROM teams")
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var ids []int
	for rows.Next() { // want "unclosed-rows"
		var id int
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	c.JSON(http.StatusOK, ids)
}

// Correct: QueryRow returns a *sql.Row, which has nothing to close.
func (a *API) One(c *gin.Context) {
	var name string
	if err := a.db.QueryRowContext(c.Request.Context(), "SELECT name FROM users WHERE id = ?", c.Param("id")).Scan(&name); err != nil {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	c.String(http.StatusOK, name)
}

// Correct: gin's Query and the URL's Query are no database calls.
func (a *API) Params(c *gin.Context) {
	team := c.Query("team")
	q := c.Request.URL.Query()
	v, ok := c.GetQuery("x")
	c.JSON(http.StatusOK, gin.H{"team": team, "q": q.Get("q"), "v": v, "ok": ok})
}

// Correct: deferred close and Err checked.
func (a *API) Good(c *gin.Context) {
	rows, err := a.db.Query("SELECT 1") // want "request-without-context"
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Status(http.StatusOK)
}
