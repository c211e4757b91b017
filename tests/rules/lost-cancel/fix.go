package handlers

import (
	"context"
	"net/http"
	"time"
)

func fixNamed(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second) // want "lost-cancel"
	if err := work(ctx); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	cancel()
}

func fixBlank(w http.ResponseWriter, r *http.Request) {
	ctx, _ := context.WithTimeout(r.Context(), time.Second) // want "lost-cancel"
	_ = work(ctx)
}

func fixLate(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithCancel(r.Context()) // want "lost-cancel"
	if r.URL.Path == "/" {
		return nil
	}
	defer cancel()
	return work(ctx)
}

func work(ctx context.Context) error { return ctx.Err() }
