package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"example.com/fixme/upstream"
)

// Profile proxies the profile service.
func Profile(c *gin.Context) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	body, err := upstream.Fetch(ctx, http.DefaultClient, "http://profiles/"+c.Param("id"))
	if err != nil {
		c.AbortWithStatus(http.StatusBadGateway)
		return
	}
	c.Data(http.StatusOK, "application/json", body)
}
