package fixtures

import (
	"context"
	"testing"
)

// Tests and benchmarks start what they like.
func TestProcessAll(t *testing.T) {
	items := []Item{{ID: "a"}}
	for _, it := range items {
		go (&Service{}).process(context.Background(), it)
	}
}

func BenchmarkProcess(b *testing.B) {
	for i := 0; i < b.N; i++ {
		go (&Service{}).process(context.Background(), Item{})
	}
}
