package fixtures

import (
	"context"
	"net/http"
	"time"
)

func query(ctx context.Context) (string, error) { return "", nil }

func Search(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	errc := make(chan error)
	go func() {
		_, err := query(ctx)
		errc <- err // want "goroutine-leak-send"
	}()
	for {
		select {
		case err := <-errc:
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
			}
			return
		case <-ctx.Done():
			http.Error(w, "timeout", http.StatusGatewayTimeout)
			return
		}
	}
}

// A goroutine that sends several values in a loop is a producer, not a one-shot result.
func Stream(w http.ResponseWriter, r *http.Request) {
	lines := make(chan string)
	go func() {
		for i := 0; i < 10; i++ {
			lines <- "line"
		}
	}()
	select {
	case l := <-lines:
		w.Write([]byte(l))
	case <-r.Context().Done():
	}
}

// A return after the receive is not an early exit.
func After(w http.ResponseWriter, r *http.Request) {
	ch := make(chan string)
	go func() {
		ch <- "x"
	}()
	v := <-ch
	if v == "" {
		return
	}
	w.Write([]byte(v))
}
