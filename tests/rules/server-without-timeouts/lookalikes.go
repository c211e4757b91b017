package fixtures

import (
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

// Frameworks build their own server; this rule does not judge them.
func runGin(r *gin.Engine) error {
	return r.Run(":8080")
}

func runEcho(e *echo.Echo) error {
	return e.Start(":8080")
}

// A test helper outside a _test.go file: httptest servers talk to their own client.
func newTestServer(h http.Handler) *httptest.Server {
	ts := &httptest.Server{Config: &http.Server{Handler: h}}
	ts.Start()
	return ts
}

// Another package called Server.
type Server struct{ Addr string }

func local() *Server {
	return &Server{Addr: ":1"}
}
