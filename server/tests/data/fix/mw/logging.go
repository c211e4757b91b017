package mw

import (
	"time"

	"github.com/gin-gonic/gin"
)

// Logging records how long each request took.
func Logging() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		c.Set("elapsed", time.Since(start))
		c.Next()
	}
}
