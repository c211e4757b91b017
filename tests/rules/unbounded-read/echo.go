package fixtures

import (
	"bytes"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

func Ingest(c echo.Context) error {
	b, err := io.ReadAll(c.Request().Body) // want "unbounded-read"
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/octet-stream", b)
}

func IngestCopy(c echo.Context) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, c.Request().Body); err != nil { // want "unbounded-read"
		return err
	}
	return c.String(http.StatusOK, buf.String())
}

// ---- Look-alikes that must stay quiet ----

func IngestLimited(c echo.Context) error {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/octet-stream", b)
}

// A Request method of something that is not echo's Context.
type Job struct{}

func (Job) Request() *Envelope { return nil }

func Run(j Job) {
	io.ReadAll(j.Request().Body)
}
