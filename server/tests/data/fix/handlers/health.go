package handlers

import "github.com/gin-gonic/gin"

// Health has nothing to fix and must be left byte for byte as it is.
func Health(c *gin.Context) {
	c.String(200, "ok")
}
