package fixtures

import (
	"net/http"
	"time"
)

type clock struct{}

func (clock) After(d time.Duration) <-chan time.Time { return nil }
func (clock) Tick(d time.Duration) <-chan time.Time  { return nil }

func Watch(w http.ResponseWriter, r *http.Request, updates <-chan string) {
	for {
		select {
		case u := <-updates:
			w.Write([]byte(u))
		case <-time.After(time.Duration(10) * time.Minute): // want "timer-in-loop"
			return
		case <-r.Context().Done():
			return
		}
	}
}

// A fake clock with the same method names is not the time package.
func WatchFake(w http.ResponseWriter, r *http.Request, updates <-chan string, time clock) {
	for {
		select {
		case u := <-updates:
			w.Write([]byte(u))
		case <-time.After(60e9):
			return
		}
	}
	_ = time.Tick(0)
}

// The goroutine for the process lifetime ends in an endless for with a select; breaks only leave
// the select.
func StartReporter(report func()) {
	go func() {
		t := time.Tick(time.Minute)
		for {
			select {
			case <-t:
				report()
				break
			}
		}
	}()
}

func init() {
	go func() {
		for range time.Tick(time.Hour) {
		}
	}()
}

func TestTickInTest() {
	<-time.Tick(time.Millisecond)
}
