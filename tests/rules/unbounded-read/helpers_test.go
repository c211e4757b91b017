package fixtures

import (
	"io"
	"net/http"
	"testing"
)

// Tests read small bodies from servers they start themselves: not reported.
func TestFetch(t *testing.T) {
	resp, err := http.Get("http://127.0.0.1:8080/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.ReadAll(resp.Body)
}
