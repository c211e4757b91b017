package fixtures

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

type Profile struct{ Name string }

type Store interface {
	Load(ctx context.Context, id string) *Profile
}

type Handler struct {
	store Store
}

func (h *Handler) Profile(c *gin.Context) {
	ch := make(chan *Profile)
	go func() {
		ch <- h.store.Load(context.WithoutCancel(c.Request.Context()), c.Param("id")) // want "goroutine-leak-send"
	}()
	select {
	case p := <-ch:
		c.JSON(http.StatusOK, p)
	case <-c.Request.Context().Done():
		c.AbortWithStatus(http.StatusGatewayTimeout)
	}
}

func (h *Handler) Fastest(c *gin.Context) {
	ch := make(chan *Profile, 0)
	for i := 0; i < 3; i++ {
		go func() {
			ch <- h.store.Load(c.Request.Context(), c.Param("id")) // want "goroutine-leak-send"
		}()
	}
	select {
	case p := <-ch:
		c.JSON(http.StatusOK, p)
	case <-time.After(2 * time.Second):
		c.AbortWithStatus(http.StatusGatewayTimeout)
	}
}

// Buffered: the send always completes.
func (h *Handler) Buffered(c *gin.Context) {
	ch := make(chan *Profile, 1)
	go func() {
		ch <- h.store.Load(c.Request.Context(), c.Param("id"))
	}()
	select {
	case p := <-ch:
		c.JSON(http.StatusOK, p)
	case <-c.Request.Context().Done():
	}
}

// The sender can give up too: its send is a select case with the context.
func (h *Handler) Cooperative(c *gin.Context) {
	ctx := c.Request.Context()
	ch := make(chan *Profile)
	go func() {
		select {
		case ch <- h.store.Load(ctx, c.Param("id")):
		case <-ctx.Done():
		}
	}()
	select {
	case p := <-ch:
		c.JSON(http.StatusOK, p)
	case <-ctx.Done():
	}
}

// The receiver always receives: no exit before the receive.
func (h *Handler) Plain(c *gin.Context) {
	ch := make(chan *Profile)
	go func() {
		ch <- h.store.Load(c.Request.Context(), c.Param("id"))
	}()
	c.JSON(http.StatusOK, <-ch)
}

// The timeout case drains the channel before leaving.
func (h *Handler) Drains(c *gin.Context) {
	ch := make(chan *Profile)
	go func() {
		ch <- h.store.Load(c.Request.Context(), c.Param("id"))
	}()
	select {
	case p := <-ch:
		c.JSON(http.StatusOK, p)
	case <-c.Request.Context().Done():
		<-ch
	}
}
