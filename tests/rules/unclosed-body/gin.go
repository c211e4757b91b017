package fixtures

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

type Proxy struct {
	upstream string
	client   *http.Client
}

// A handler closure that forwards the upstream status but forgets the body on errors.
func (p *Proxy) Handler() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, _ := http.NewRequestWithContext(c, http.MethodGet, p.upstream+c.Param("id"), nil)
		resp, err := p.client.Do(req) // want "unclosed-body"
		if err != nil {
			c.AbortWithStatus(http.StatusBadGateway)
			return
		}
		if resp.StatusCode >= 500 {
			c.AbortWithStatus(resp.StatusCode)
			return
		}
		defer resp.Body.Close()
		c.Status(resp.StatusCode)
		io.Copy(c.Writer, resp.Body)
	}
}

// Ends without a close: the body stays open after the handler returns.
func Status(c *gin.Context) {
	resp, err := http.Get("http://internal/health") // want "unclosed-body" "request-without-context"
	if err != nil {
		c.Status(http.StatusServiceUnavailable)
		return
	}
	c.Status(resp.StatusCode)
}

// ---- Quiet ----

// Closed on all paths, the body streamed to the client.
func (p *Proxy) Stream(c *gin.Context) {
	resp, err := p.client.Get(p.upstream) // want "request-without-context"
	if err != nil {
		c.AbortWithError(http.StatusBadGateway, err)
		return
	}
	defer resp.Body.Close()
	c.Status(resp.StatusCode)
	io.Copy(c.Writer, resp.Body)
}

// The handler's own request body is not a response.
func Echo(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20))
	if err != nil {
		return
	}
	c.Data(http.StatusOK, "text/plain", body)
}
