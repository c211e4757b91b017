package fixtures

import (
	"context"
	ctxpkg "context"
	"net/http"
	stdtime "time"
)

func ServeReport(w http.ResponseWriter, r *http.Request) {
	const reportTimeout = 20 * stdtime.Second
	ctx, cancel := ctxpkg.WithTimeout(r.Context(), reportTimeout) // want "long-timeout"
	defer cancel()
	_ = ctx
}

func ServeExport(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeoutCause(r.Context(), 15e9, nil) // want "long-timeout"
	defer cancel()
	_ = ctx
}

type exportHandler struct{}

func (h exportHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	client := http.Client{
		Timeout: 1 * stdtime.Hour, // want "long-timeout"
	}
	_ = client
}

// Handlers written inline in main still serve requests.
func main() {
	http.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-stdtime.After(12 * stdtime.Second) // want "long-timeout"
	})
	// main itself is not a request path.
	ctx, cancel := context.WithTimeout(context.Background(), 30*stdtime.Second)
	defer cancel()
	_ = ctx
	srv := &http.Server{ReadTimeout: 30 * stdtime.Second, WriteTimeout: 30 * stdtime.Second}
	_ = srv
}

// A function that builds an outgoing request is not a handler.
func newUpstreamRequest(r *http.Request) *http.Client {
	return &http.Client{Timeout: 30 * stdtime.Second}
}
