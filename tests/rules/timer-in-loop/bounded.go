package fixtures

import (
	"testing"
	"time"
)

// Two answers are expected: at most two timers, whatever the load.
func AwaitTwo(answers <-chan string) []string {
	var got []string
	for range 2 {
		select {
		case a := <-answers:
			got = append(got, a)
		case <-time.After(2 * time.Second):
		}
	}
	return got
}

// The same with a counted loop.
func AwaitThree(answers <-chan string) {
	for i := 0; i < 3; i++ {
		select {
		case <-answers:
		case <-time.After(2 * time.Second):
		}
	}
}

// A test's timeout loop runs for the length of the test, not under load.
func TestDelivery(t *testing.T) {
	got := make(chan int)
	for {
		select {
		case n := <-got:
			if n == 0 {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("nothing delivered")
		}
	}
}

// A loop bounded by a variable grows with it.
func AwaitN(answers <-chan string, n int) {
	for i := 0; i < n; i++ {
		select {
		case <-answers:
		case <-time.After(2 * time.Second): // want "timer-in-loop"
		}
	}
}
