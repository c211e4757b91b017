package fixtures

import "sync"

type gate struct{ slots chan struct{} }

func (g *gate) Allow() bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (g *gate) Release() { <-g.slots }

func (g *gate) Known(k string) bool { return k != "" }

func (g *gate) Refresh(k string) {}

func work(k string, done func()) {
	if done != nil {
		defer done()
	}
}

// The gate hands out a slot before each goroutine and the goroutine gives it back: at most
// cap(slots) run at once, whatever the input's length.
func Limited(g *gate, keys []string) {
	var wg sync.WaitGroup
	for _, k := range keys {
		if len(keys) > 1 && g.Allow() {
			wg.Add(1)
			go work(k, func() {
				wg.Done()
				g.Release()
			})
		} else {
			work(k, nil)
		}
	}
	wg.Wait()
}

// A look-up in the condition is no limiter: nothing is given back.
func LookupOnly(g *gate, keys []string) {
	for _, k := range keys {
		if g.Known(k) {
			go g.Refresh(k) // want "unbounded-goroutines"
		}
	}
}

type sender struct{ url string }

func (s *sender) loop() {}

type pool struct{ senders map[string]*sender }

// One long-lived sender per registered target, kept in the registry to be stopped later.
func (p *pool) add(urls []string) {
	for _, u := range urls {
		if _, ok := p.senders[u]; ok {
			continue
		}
		s := &sender{url: u}
		go s.loop()
		p.senders[u] = s
	}
}

// Restarting the registered senders.
func (p *pool) restart(urls []string) {
	for _, u := range urls {
		if s, ok := p.senders[u]; ok {
			go s.loop()
		}
	}
}

// A sender per element that nothing keeps: one goroutine per input element.
func (p *pool) fanOut(urls []string) {
	for _, u := range urls {
		s := &sender{url: u}
		go s.loop() // want "unbounded-goroutines"
	}
}
