package main

import (
	"github.com/go-chi/chi/v5"

	"example.com/svc/api"
)

func main() {
	r := chi.NewRouter()
	r.Get("/thumbnails", api.Thumbnails)
}
