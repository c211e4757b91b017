package fixtures

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func Lookup(c *gin.Context) {
	ch := make(chan string)
	go func() {
		ch <- c.Param("id") // want "goroutine-leak-send"
	}()
	select {
	case v := <-ch:
		c.String(http.StatusOK, v)
	case <-c.Request.Context().Done():
	}
}

func Race(c *gin.Context) {
	ch := make(chan string, 0)
	for range 3 {
		go func() {
			ch <- c.Param("id") // want "goroutine-leak-send"
		}()
	}
	select {
	case v := <-ch:
		c.String(http.StatusOK, v)
	case <-time.After(time.Second):
	}
}
