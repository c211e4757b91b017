package fixtures

import (
	"net/http"
	"sync"
)

func newGroup() *sync.WaitGroup { return new(sync.WaitGroup) }

func Refresh(w http.ResponseWriter, r *http.Request) {
	group := newGroup()
	for _, id := range r.URL.Query()["id"] {
		go func() { // want "unbounded-goroutines"
			group.Add(1) // want "waitgroup-add-in-goroutine"
			defer group.Done()
			_ = id
		}()
	}
	group.Wait()
	w.WriteHeader(http.StatusOK)
}

type sem struct{ n int }

func (s *sem) Add(n int) { s.n += n }
func (s *sem) Done()     { s.n-- }

// An unknown type whose Wait is never called anywhere in the file: not recognisably a wait group.
func Limit(w http.ResponseWriter, r *http.Request) {
	limiter := getSem()
	go func() { // want "unbounded-goroutines"
		limiter.Add(1)
		defer limiter.Done()
	}()
}

func getSem() *sem { return &sem{} }
