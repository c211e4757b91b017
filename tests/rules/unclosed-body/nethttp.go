package fixtures

import (
	"io"
	"log"
	"net/http"
)

// An interface wrapper: the result is used like a response, so it is followed.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

type Forwarder struct {
	doer Doer
}

func (f *Forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://backend"+r.URL.Path, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := f.doer.Do(out) // want "unclosed-body"
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, resp.Body); err != nil {
		log.Printf("copy: %v", err)
	}
}

// Declared with var and checked through the if's initializer.
func Webhook(w http.ResponseWriter, r *http.Request) {
	if resp, err := http.Post("http://hooks", "text/plain", r.Body); err != nil { // want "unclosed-body" "request-without-context"
		http.Error(w, err.Error(), http.StatusBadGateway)
	} else {
		w.WriteHeader(resp.StatusCode)
	}
}

// ---- Quiet ----

// The same forwarder, closing.
func (f *Forwarder) Forward(w http.ResponseWriter, r *http.Request) {
	resp, err := f.doer.Do(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// A log.Fatal on the error path, then a close.
func Startup() {
	resp, err := http.Get("http://config") // want "client-without-timeout"
	if err != nil {
		log.Fatalf("config: %v", err)
	}
	defer resp.Body.Close()
}

// The if's initializer form, closed in the else branch.
func Notify(w http.ResponseWriter, r *http.Request) {
	if resp, err := http.Post("http://notify", "text/plain", r.Body); err != nil { // want "request-without-context"
		http.Error(w, err.Error(), http.StatusBadGateway)
	} else {
		resp.Body.Close()
	}
}
