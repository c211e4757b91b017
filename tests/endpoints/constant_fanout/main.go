package main

import (
	"net/http"

	"example.com/svc/api"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /prices", api.Prices)
	http.ListenAndServe(":8080", mux)
}
