package server

import "sync"

type Store struct {
	mu   sync.RWMutex
	data map[string]int
}

func (s *Store) Get(k string) (int, bool) {
	s.mu.RLock() // want "unlock-missing"
	v, ok := s.data[k]
	if !ok {
		return 0, false
	}
	s.mu.RUnlock()
	return v, true
}

func (s *Store) Set(k string, v int) {
	s.mu.Lock() // want "unlock-missing"
	if s.data == nil {
		return
	}
	s.data[k] = v
	s.mu.Unlock()
}
