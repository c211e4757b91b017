package main

import (
	"github.com/gin-gonic/gin"

	"example.com/svc/api"
	"example.com/svc/store"
)

func main() {
	h := api.New(store.NewPostgres(), store.NewEmail())
	r := gin.New()
	r.GET("/items", h.List)
	r.Run()
}
