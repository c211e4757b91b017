package api

import (
	"github.com/gin-gonic/gin"

	"example.com/svc/store"
)

// Audit hands the write to a goroutine that outlives the request.
func Audit(c *gin.Context) {
	go store.Save(c.Param("id"))
	c.Status(202)
}
