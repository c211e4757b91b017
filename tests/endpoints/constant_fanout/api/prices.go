package api

import (
	"net/http"

	"example.com/svc/fanout"
)

// Prices asks three shards, then the regions through another package.
func Prices(w http.ResponseWriter, r *http.Request) {
	results := make(chan int, 3)
	for i := 0; i < 3; i++ {
		go func() { results <- i }()
	}
	for i := 0; i < 3; i++ {
		<-results
	}
	fanout.Regions(r.Context())
	w.WriteHeader(http.StatusOK)
}
