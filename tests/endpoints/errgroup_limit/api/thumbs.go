package api

import (
	"net/http"

	"golang.org/x/sync/errgroup"
)

var sizes = []int{64, 128, 256, 512}

// Thumbnails renders four sizes, at most two at a time.
func Thumbnails(w http.ResponseWriter, r *http.Request) {
	g, _ := errgroup.WithContext(r.Context())
	g.SetLimit(2)
	for _, size := range sizes {
		g.Go(func() error {
			_ = size
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
	}
}
