package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// A progress stream: the client going away returns with the ticker still running.
func Progress(c *gin.Context) {
	t := time.NewTicker(500 * time.Millisecond) // want "ticker-not-stopped"
	for i := 0; i < 10; i++ {
		select {
		case <-c.Request.Context().Done():
			return
		case <-t.C:
			c.SSEvent("progress", i)
			c.Writer.Flush()
		}
	}
}

// A per-request deadline timer, abandoned when the work finishes first.
func Deadline(c *gin.Context) {
	done := make(chan struct{})
	timer := time.NewTimer(2 * time.Second) // want "ticker-not-stopped"
	select {
	case <-done:
		c.Status(http.StatusOK)
	case <-timer.C:
		c.Status(http.StatusGatewayTimeout)
	}
}

// Correct: stopped by a defer.
func Stream(c *gin.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range 3 {
		<-t.C
		c.SSEvent("tick", time.Now())
	}
}

// Correct: a timer waited for unconditionally has fired before the function moves on.
func Sleep(c *gin.Context) {
	timer := time.NewTimer(10 * time.Millisecond)
	<-timer.C
	c.Status(http.StatusOK)
}
