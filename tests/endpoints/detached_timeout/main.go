package main

import (
	"github.com/gin-gonic/gin"

	"example.com/svc/api"
)

func main() {
	r := gin.New()
	r.POST("/audit", api.Audit)
	r.Run()
}
