package mw

import (
	"time"

	"github.com/gin-gonic/gin"
)

// Timing records how long the rest of the chain took.
func Timing() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		c.Set("elapsed", time.Since(start))
		c.Next()
	}
}
