package fixtures

import (
	"net/http"
	"testing"
)

func TestGet(t *testing.T) {
	c := &http.Client{}
	resp, err := http.Get("http://127.0.0.1:1/")
	if err == nil {
		resp.Body.Close()
	}
	_ = c
}
