package fixtures

import (
	"log"
	"net"
	"net/http"
	"time"
)

func serveMux() {
	mux := http.NewServeMux()
	log.Fatal(http.ListenAndServe(":8080", mux)) // want "server-without-timeouts"
}

func serveTLS(h http.Handler) error {
	return http.ListenAndServeTLS(":8443", "cert.pem", "key.pem", h) // want "server-without-timeouts"
}

func serveListener(l net.Listener) error {
	return http.Serve(l, nil) // want "server-without-timeouts"
}

func newServer(h http.Handler) *http.Server {
	return &http.Server{Addr: ":8080", Handler: h} // want "server-without-timeouts"
}

func multiLine(h http.Handler) error {
	srv := &http.Server{ // want "server-without-timeouts"
		Addr:         ":8080",
		Handler:      h,
		WriteTimeout: 30 * time.Second,
	}
	return srv.ListenAndServe()
}

type app struct {
	server *http.Server
}

func (a *app) start(h http.Handler) {
	a.server = &http.Server{Handler: h} // want "server-without-timeouts"
	go a.server.ListenAndServe()
}

// ---- Quiet: timeouts set, or set after construction ----

func withHeaderTimeout(h http.Handler) error {
	srv := &http.Server{Addr: ":8080", Handler: h, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}

func withReadTimeout(h http.Handler) error {
	srv := http.Server{Addr: ":8080", Handler: h, ReadTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

func configuredLater(h http.Handler) error {
	srv := &http.Server{Addr: ":8080", Handler: h}
	srv.ReadHeaderTimeout = 5 * time.Second
	return srv.ListenAndServe()
}

type service struct {
	srv *http.Server
}

func newService(h http.Handler) *service {
	s := &service{srv: &http.Server{Handler: h}}
	s.srv.ReadTimeout = 10 * time.Second
	return s
}

func configuredByHelper(h http.Handler) error {
	srv := &http.Server{Handler: h}
	applyTimeouts(srv)
	return srv.ListenAndServe()
}

func applyTimeouts(srv *http.Server) {
	srv.ReadHeaderTimeout = 5 * time.Second
}

// A method of a local type that happens to be called Serve.
type worker struct{}

func (worker) Serve(l net.Listener, h http.Handler) error { return nil }

func notTheFunction(w worker, l net.Listener) error {
	return w.Serve(l, nil)
}

// A local variable named http is not the package.
func shadowed(l net.Listener) {
	http := worker{}
	_ = http.Serve(l, nil)
}
