package fixtures

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type Proxy struct {
	client *http.Client
	urls   []string
}

func (p *Proxy) Fanout(c echo.Context) error {
	for _, u := range p.urls {
		req, err := http.NewRequestWithContext(c.Request().Context(), http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := p.client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close() // want "defer-in-loop"
	}
	return c.NoContent(http.StatusOK)
}

// The loop breaks out through its label after the defer, so the defer runs once.
func (p *Proxy) First(c echo.Context) error {
outer:
	for _, u := range p.urls {
		for attempt := 0; attempt < 3; attempt++ {
			resp, err := p.client.Get(u) // want "request-without-context"
			if err != nil {
				continue
			}
			defer resp.Body.Close()
			break outer
		}
	}
	return nil
}

// A `break` inside a select leaves the select, not the loop: the defer still piles up.
func (p *Proxy) Drain(c echo.Context, jobs <-chan string) error {
	for {
		select {
		case u := <-jobs:
			resp, err := p.client.Get(u) // want "request-without-context"
			if err != nil {
				return err
			}
			defer resp.Body.Close() // want "defer-in-loop"
			break
		case <-c.Request().Context().Done():
			return nil
		}
	}
}

// A goroutine per item defers inside its own function literal.
func (p *Proxy) Spawn(c echo.Context) error {
	for _, u := range p.urls {
		go func(u string) { // want "unbounded-goroutines"
			resp, err := p.client.Get(u)
			if err != nil {
				return
			}
			defer resp.Body.Close()
		}(u)
	}
	return nil
}
