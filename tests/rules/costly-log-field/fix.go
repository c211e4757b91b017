package handlers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
)

func Timed(logger *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		logger.Info("request",
			zap.Any("took", time.Since(start)), // want "costly-log-field"
			zap.Any("size", c.Writer.Size()),

			zap.Any("errors", len(c.Errors)), // want "costly-log-field"

			zap.Any("at", time.Now()), // want "costly-log-field"
		)
	}
}

func List(logger *zap.Logger, tags []string, page int64) {
	for i := 0; i < 3; i++ {
		logger.Info("page", zap.Any("page", page), zap.Any("tags", tags)) // want "costly-log-field" "costly-log-field"

		logger.Info("label", zap.Any("label", strconv.Itoa(i))) // want "costly-log-field"

		logger.Info("const", zap.Reflect("const", "literal")) // want "costly-log-field"
	}
}
