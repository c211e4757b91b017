package fixtures

import (
	"net/http"

	io "example.com/internal/streams"
	stdio "io"
)

// `io` here is another package: its ReadAll may well be bounded.
func Foreign(r *http.Request) {
	io.ReadAll(r.Body)
}

// The standard io under an alias is still io.
func Aliased(r *http.Request) []byte {
	b, _ := stdio.ReadAll(r.Body) // want "unbounded-read"
	return b
}

// A package function named Get is not a client method.
func Pkg() {
	resp, _ := io.Get("k")
	stdio.ReadAll(resp.Body)
}
