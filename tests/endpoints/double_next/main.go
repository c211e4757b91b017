package main

import (
	"github.com/gin-gonic/gin"

	"example.com/svc/api"
	"example.com/svc/mw"
)

func main() {
	r := gin.New()
	r.Use(mw.Timing())
	r.GET("/orders/:id", api.GetOrder)
	r.Run()
}
