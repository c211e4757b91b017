package fixtures

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	context "example.com/mycontext"
)

type clock struct{}

func (clock) After(d time.Duration) <-chan time.Time { return nil }

type Client struct{ Timeout time.Duration }

// Look-alikes from other packages are not the standard library's.
func Lookalikes(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c, 30*time.Second) // context is example.com/mycontext
	defer cancel()
	_ = ctx
	var clk clock
	<-clk.After(time.Minute)
	cl := Client{Timeout: time.Minute}
	_ = cl
	// Transport timeouts and server timeouts are not request timeouts.
	tr := &http.Transport{IdleConnTimeout: 90 * time.Second}
	_ = tr
	time.Sleep(0)
	// Negative and tiny durations.
	<-time.After(-time.Minute)
	<-time.After(15)
}

// A server-sent events stream: the wait in the loop is a heartbeat interval, not a timeout.
func Events(w http.ResponseWriter, r *http.Request) {
	for {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(30 * time.Second):
			w.Write([]byte(": keepalive\n\n"))
		}
	}
}
