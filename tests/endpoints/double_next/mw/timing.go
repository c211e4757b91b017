package mw

import "github.com/gin-gonic/gin"

// Timing runs the chain, records, and then runs it again by mistake.
func Timing() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		c.Set("done", true)
		c.Next()
	}
}
