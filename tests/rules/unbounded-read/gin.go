package fixtures

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

func Webhook(c *gin.Context) {
	payload, err := io.ReadAll(c.Request.Body) // want "unbounded-read"
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.Data(http.StatusOK, "application/octet-stream", payload)
}

// Through a variable holding the request.
func Forward(ctx *gin.Context) {
	req := ctx.Request
	body, _ := io.ReadAll(req.Body) // want "unbounded-read"
	ctx.String(http.StatusOK, string(body))
}

// ---- Look-alikes that must stay quiet ----

func BoundedGin(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
	payload, _ := io.ReadAll(c.Request.Body)
	c.Data(http.StatusOK, "application/octet-stream", payload)
}

// A Context of another package.
type Context struct{ Request *Envelope }

type Envelope struct{ Body io.Reader }

func Own(c *Context) {
	io.ReadAll(c.Request.Body)
}
