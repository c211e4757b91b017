package fixtures

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// With a request context in reach, request-without-context reports these calls instead.
func handler(c *gin.Context) {
	resp, err := http.Get("http://users/" + c.Param("id")) // want "request-without-context"
	if err != nil {
		return
	}
	defer resp.Body.Close()
}

func withContext(ctx context.Context, u string) error {
	resp, err := http.Head(u) // want "request-without-context"
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
