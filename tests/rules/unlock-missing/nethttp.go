package server

import (
	"encoding/json"
	"net/http"
	"sync"
)

type Sessions struct {
	mu   sync.Mutex
	byID map[string]string
}

func (s *Sessions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock() // want "unlock-missing"
	id := r.URL.Query().Get("id")
	user, ok := s.byID[id]
	if !ok {
		http.Error(w, "unknown session", http.StatusUnauthorized)
		return
	}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(user)
}

// Correct: a conditional lock with an unlock under the same flag.
func (s *Sessions) Maybe(shared bool, id string) string {
	if shared {
		s.mu.Lock()
	}
	v := s.byID[id]
	if shared {
		s.mu.Unlock()
	}
	return v
}

// Correct: a goroutine releases the lock when the work is done.
func (s *Sessions) Async(done chan struct{}) {
	s.mu.Lock()
	go func() {
		<-done
		s.mu.Unlock()
	}()
}

// Correct: panics do not return.
func (s *Sessions) MustGet(id string) string {
	s.mu.Lock()
	v, ok := s.byID[id]
	if !ok {
		panic("no session " + id)
	}
	s.mu.Unlock()
	return v
}
