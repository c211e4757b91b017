package fixtures

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func Relay(c *gin.Context, events <-chan string) {
	for {
		select {
		case ev := <-events:
			c.SSEvent("message", ev)
		case <-time.After(30 * time.Second): // want "timer-in-loop"
			return
		}
	}
}

func Keepalive(w http.ResponseWriter, r *http.Request) {
	tick := time.Tick(10 * time.Second) // want "timer-in-loop"
	for {
		select {
		case <-tick:
			w.Write([]byte(":\n"))
		case <-r.Context().Done():
			return
		}
	}
}
