package mw

import (
	"log"
	"time"

	"github.com/gin-gonic/gin"
)

// Logging logs each request with its latency.
func Logging() gin.HandlerFunc {
	return func(ctx *gin.Context) {
		start := time.Now()
		ctx.Next()
		log.Printf("%s %s %v", ctx.Request.Method, ctx.Request.URL.Path, time.Since(start))
		ctx.Next()
	}
}
