package mw

import "github.com/gin-gonic/gin"

// Recovery turns a panic into a 500.
func Recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if recover() != nil {
				c.AbortWithStatus(500)
			}
		}()
		c.Next()
		c.Next()
	}
}
