package fixtures

import (
	"context"
	"sync"
)

type Item struct{ ID string }

type Batch struct{ Items []Item }

type Service struct {
	workers []func()
}

func (s *Service) process(ctx context.Context, it Item) {}

// Not a handler, but the caller decides how many goroutines: one per item it passes.
func (s *Service) ProcessAll(ctx context.Context, items []Item) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			s.process(ctx, it)
		}()
	}
	wg.Wait()
}

// Derived from a parameter through a field and a variable.
func (s *Service) ProcessBatch(ctx context.Context, b *Batch) {
	items := b.Items
	for i := range items {
		go s.process(ctx, items[i]) // want "unbounded-goroutines"
	}
}

// Nested: the inner range is over the outer's element, itself from the input.
func (s *Service) ProcessGroups(ctx context.Context, groups [][]Item) {
	for _, g := range groups {
		for _, it := range g {
			go s.process(ctx, it) // want "unbounded-goroutines"
		}
	}
}

// A counted loop over an input's length.
func (s *Service) ProcessIndexed(ctx context.Context, items []Item) {
	for i := 0; i < len(items); i++ {
		go s.process(ctx, items[i]) // want "unbounded-goroutines"
	}
}

// ---- Quiet ----

// The receiver's own components, started once.
func (s *Service) Start() {
	for _, w := range s.workers {
		go w()
	}
}

// A worker pool sized by configuration.
func (s *Service) Pool(ctx context.Context, n int, jobs <-chan Item) {
	for i := 0; i < n; i++ {
		go func() {
			for it := range jobs {
				s.process(ctx, it)
			}
		}()
	}
}

// A stream from a channel, outside a handler.
func (s *Service) Consume(ctx context.Context, in <-chan Item) {
	for it := range in {
		go s.process(ctx, it)
	}
}

// A fixed list, outside a handler.
func (s *Service) Fixed(ctx context.Context) {
	for _, id := range []string{"a", "b", "c"} {
		go s.process(ctx, Item{ID: id})
	}
}

// A single goroutine outside a handler.
func (s *Service) Background(ctx context.Context) {
	go s.process(ctx, Item{})
}

// A semaphore from a parameter, acquired before each goroutine.
func (s *Service) Limited(ctx context.Context, items []Item, sem chan struct{}) {
	for _, it := range items {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			s.process(ctx, it)
		}()
	}
}
