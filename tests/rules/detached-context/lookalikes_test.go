package fixtures

import (
	"context"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// Tests build contexts for handlers they call themselves.
func helper(t *testing.T, c *gin.Context) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = ctx
}

func TestHandler(t *testing.T) {
	h := func(c *gin.Context) {
		_ = context.Background()
	}
	_ = h
}
