package main

import (
	"github.com/gin-gonic/gin"

	"example.com/svc/api"
)

func main() {
	r := gin.New()
	r.GET("/reports/:kind", api.Report)
	r.Run()
}
