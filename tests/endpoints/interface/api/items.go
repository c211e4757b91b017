package api

import (
	"github.com/gin-gonic/gin"

	"example.com/svc/store"
)

// Handlers serve /items through interfaces, as tests would mock them.
type Handlers struct {
	repo     store.Repo
	notifier store.Notifier
}

func New(repo store.Repo, notifier store.Notifier) *Handlers {
	return &Handlers{repo: repo, notifier: notifier}
}

// List reads through the Repo interface, which one workspace type implements, and notifies
// through the Notifier interface, which two implement.
func (h *Handlers) List(c *gin.Context) {
	items := h.repo.All(c.Param("owner"))
	h.notifier.Send("listed")
	c.JSON(200, items)
}
