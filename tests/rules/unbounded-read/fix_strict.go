package fixtures

// gohazard-fix: limited-reader-strict

import (
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

// The incident's shape: the check goes after the error check.
func Call(ctx context.Context, client *http.Client, req *http.Request) ([]byte, *http.Response, error) {
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	resBytes, err := io.ReadAll(resp.Body) // want "unbounded-read"
	if err != nil {
		return nil, resp, err
	}
	return resBytes, resp, nil
}

func Upload(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body) // want "unbounded-read"
	w.Write(data)
}

func Webhook(c *gin.Context) {
	payload, err := io.ReadAll(c.Request.Body) // want "unbounded-read"
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.Data(http.StatusOK, "application/octet-stream", payload)
}

func Ingest(c echo.Context) error {
	var b []byte
	var err error
	b, err = io.ReadAll(c.Request().Body) // want "unbounded-read"
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/octet-stream", b)
}
