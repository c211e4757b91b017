package fixtures

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/signal"
	"time"
)

type Profiles struct{ client *http.Client }

func (p *Profiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://upstream/", nil) // want "detached-context"
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	resp.Body.Close()
}

// Building an outgoing request is not serving one: no writer, no request scope.
func build(r *http.Request) *http.Request {
	return r.WithContext(context.Background())
}

func newRequest(url string) (*http.Request, error) {
	return http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
}

func main() {
	mux := http.NewServeMux()
	// A handler defined in main is still a handler.
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Minute)) // want "detached-context" "long-timeout"
		defer cancel()
		_ = ctx
	})
	srv := &http.Server{Addr: ":8080", Handler: mux} // want "server-without-timeouts"
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			os.Exit(1)
		}
	}()
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
}

func init() {
	_, cancel := context.WithCancel(context.Background())
	cancel()
}

// A handler that shuts the server down from an admin endpoint: Shutdown needs its own deadline.
func admin(srv *http.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		go srv.Shutdown(context.Background())
		w.WriteHeader(http.StatusAccepted)
	}
}
