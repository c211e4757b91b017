package fixtures

import "sync"

type restarter struct {
	mu    sync.Mutex
	count int
}

// The lock is taken before the loop and handed from one iteration to the next: each iteration
// lets the waiting side in, then takes the lock back before it restarts.
func (r *restarter) run(stop <-chan struct{}) {
	r.mu.Lock()
	for {
		r.count++
		r.mu.Unlock()
		r.mu.Lock()
		select {
		case <-stop:
			r.mu.Unlock()
			return
		default:
		}
	}
}

// Locked at the end of the body and never released at the start of the next iteration.
func (r *restarter) stuck(items []int) {
	for range items {
		r.count++
		r.mu.Lock() // want "unlock-missing"
		if r.count > 10 {
			r.mu.Unlock()
			return
		}
	}
}

// The goroutine is handed the lock held by its starter: it lets the starter in, takes the lock
// back and ends holding it once the starter no longer needs it.
func (r *restarter) pingPong(exit chan struct{}) {
	r.mu.Lock()
	go func() {
		for {
			r.count++
			r.mu.Unlock()
			r.mu.Lock()
			select {
			case exit <- struct{}{}:
				return
			default:
			}
		}
	}()
	for i := 0; i < 10; i++ {
		r.mu.Lock()
		r.count--
		r.mu.Unlock()
	}
	<-exit
}

// Two critical sections: the second one's early return still leaks.
func (r *restarter) twice(fail bool) {
	r.mu.Lock()
	r.count++
	r.mu.Unlock()
	r.mu.Lock() // want "unlock-missing"
	if fail {
		return
	}
	r.mu.Unlock()
}
