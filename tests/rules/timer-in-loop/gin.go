package fixtures

import (
	"time"

	"github.com/gin-gonic/gin"
)

type Stream struct {
	events chan string
	idle   time.Duration
}

func (s *Stream) Pump(c *gin.Context) {
	for {
		select {
		case ev := <-s.events:
			c.SSEvent("message", ev)
		case <-time.After(30 * time.Second): // want "timer-in-loop"
			return
		case <-c.Request.Context().Done():
			return
		}
	}
}

func (s *Stream) Heartbeat(c *gin.Context) {
	tick := time.Tick(15 * time.Second) // want "timer-in-loop"
	for {
		select {
		case <-tick:
			c.SSEvent("ping", "")
		case <-c.Request.Context().Done():
			return
		}
	}
}

// One deadline for the whole loop, created before it: the usual, correct shape.
func (s *Stream) Collect(c *gin.Context) []string {
	var out []string
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-s.events:
			out = append(out, ev)
		case <-deadline:
			return out
		}
	}
}

// A short timer dies within the second: the pile is bounded.
func (s *Stream) Poll(c *gin.Context) {
	for {
		select {
		case ev := <-s.events:
			c.SSEvent("message", ev)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Every case leaves the loop: the select runs once.
func (s *Stream) WaitOne(c *gin.Context) string {
	for {
		select {
		case ev := <-s.events:
			return ev
		case <-time.After(time.Minute):
			return ""
		}
	}
}

// time.After outside any loop.
func (s *Stream) Once(c *gin.Context) {
	select {
	case ev := <-s.events:
		c.String(200, ev)
	case <-time.After(time.Second):
	}
}

// A heartbeat: the loop only goes round when the timer fired, so one timer is alive at a time.
func (s *Stream) Keepalive(c *gin.Context) {
	for {
		select {
		case <-c.Request.Context().Done():
			return
		case <-time.After(30 * time.Second):
			c.SSEvent("ping", "")
		}
	}
}
