package fixtures

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"
)

func notify(ctx context.Context, addr string) error { return nil }

// One goroutine per recipient in the query string.
func Notify(w http.ResponseWriter, r *http.Request) {
	for _, to := range r.URL.Query()["to"] {
		go notify(context.Background(), to) // want "unbounded-goroutines" "detached-context"
	}
	w.WriteHeader(http.StatusAccepted)
}

// A counted loop over the length of request data is a loop over it.
func NotifyIndexed(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query()["to"]
	for i := 0; i < len(to); i++ {
		go notify(r.Context(), to[i]) // want "unbounded-goroutines"
	}
}

// A stream of client messages, one goroutine each.
func Stream(w http.ResponseWriter, r *http.Request) {
	dec := newDecoder(r)
	for dec.More() {
		msg := dec.Next()
		go notify(r.Context(), msg) // want "unbounded-goroutines"
	}
}

type decoder struct{}

func newDecoder(*http.Request) *decoder { return &decoder{} }
func (*decoder) More() bool             { return false }
func (*decoder) Next() string           { return "" }

// ---- Quiet ----

func main() {
	go serveMetrics()
	for _, a := range []string{"x", "y"} {
		go notify(context.Background(), a)
	}
	time.Sleep(time.Second)
}

// The classic accept loop: one goroutine per connection is how servers are written.
func serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Print(err)
			continue
		}
		go handle(conn)
	}
}

func handle(net.Conn) {}

func serveMetrics() {}

// Server start-up outside main.
func start(srv *http.Server) {
	go srv.ListenAndServe()
}

// A handler that waits for its one goroutine.
func Wait(w http.ResponseWriter, r *http.Request) {
	errc := make(chan error, 1)
	go func() { errc <- notify(r.Context(), "a") }()
	if err := <-errc; err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
	}
}

// An outgoing request builder is not a handler.
func build(r *http.Request) {
	go notify(r.Context(), r.URL.Host)
}
