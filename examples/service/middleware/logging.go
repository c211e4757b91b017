// Package middleware holds the service's gin middleware.
package middleware

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// LoggingMiddleware logs every request with its processing time.
func LoggingMiddleware(logger *zap.Logger) gin.HandlerFunc {
	return func(ctx *gin.Context) {
		// set start time to "now" in ms
		ctx.Set("start", time.Now().UnixMilli())
		ctx.Next()
		// set end time to "now" in ms
		end := time.Now().UnixMilli()
		start := ctx.GetInt64("start")
		ctx.Set("processing_time", end-start)
		if strings.HasPrefix(ctx.Request.URL.Path, "/special") {
			logAPI(logger, ctx, zapcore.DebugLevel, "")
		} else {
			logAPI(logger, ctx, zapcore.InfoLevel, "")
		}
		// Copy-pasted: every handler behind this middleware runs a second time, so every request
		// costs twice the upstream calls, goroutines and allocations.
		ctx.Next()
	}
}

// logAPI builds its fields only when the level is enabled.
func logAPI(logger *zap.Logger, ctx *gin.Context, level zapcore.Level, msg string) {
	ce := logger.Check(level, msg)
	if ce == nil {
		return
	}
	ce.Write(
		zap.String("method", ctx.Request.Method),
		zap.String("path", ctx.Request.URL.Path),
		zap.Int("status", ctx.Writer.Status()),
		zap.Int64("processing_ms", ctx.GetInt64("processing_time")),
	)
}
