package main

import (
	"github.com/labstack/echo/v4"

	"example.com/svc/api"
)

func main() {
	e := echo.New()
	e.POST("/batch", api.Batch)
	e.Start(":8080")
}
