package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

type Store interface {
	Find(ctx context.Context, id string) (string, error)
}

type Handler struct {
	store  Store
	cancel context.CancelFunc
}

// The error path returns before the explicit cancel.
func (h *Handler) Lookup(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second) // want "lost-cancel"
	user, err := h.store.Find(ctx, c.Param("id"))
	if err != nil {
		c.AbortWithStatus(http.StatusBadGateway)
		return
	}
	cancel()
	c.JSON(http.StatusOK, user)
}

// The cancel function is thrown away.
func (h *Handler) Search(c *gin.Context) {
	ctx, _ := context.WithTimeout(c.Request.Context(), 5*time.Second) // want "lost-cancel"
	res, err := h.store.Find(ctx, c.Query("q"))
	if err != nil {
		c.Status(http.StatusInternalServerError)
		return
	}
	c.String(http.StatusOK, res)
}

// A worker closure under a timeout that its error path never cancels.
func (h *Handler) refresh(parent context.Context, ids []string) {
	for _, id := range ids {
		func() {
			ctx, cancel := context.WithTimeout(parent, 2*time.Second) // want "lost-cancel"
			if _, err := h.store.Find(ctx, id); err != nil {
				return
			}
			cancel()
		}()
	}
}

// Correct: deferred right away.
func (h *Handler) Good(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	user, err := h.store.Find(ctx, c.Param("id"))
	if err != nil {
		c.AbortWithStatus(http.StatusBadGateway)
		return
	}
	c.JSON(http.StatusOK, user)
}

// Correct: stored in a field, cancelled by Stop.
func (h *Handler) Start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	h.cancel = cancel
	go h.loop(ctx)
}

func (h *Handler) loop(ctx context.Context) { <-ctx.Done() }

// Correct: stored directly in a field.
func (h *Handler) StartDirect(parent context.Context) {
	var ctx context.Context
	ctx, h.cancel = context.WithCancel(parent)
	go h.loop(ctx)
}
