package fixtures

import (
	"bytes"
	"context"
	"net/http"
)

type poller struct {
	client *http.Client
	req    *http.Request
	url    string
}

// The request is built once, kept in a field and sent with the caller's context every time.
func (p *poller) poll(ctx context.Context) (*http.Response, error) {
	if p.req == nil {
		req, err := http.NewRequest(http.MethodGet, p.url, http.NoBody)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "text/plain")
		p.req = req
	}
	return p.client.Do(p.req.WithContext(ctx))
}

type sendFunc func(ctx context.Context, c *http.Client, req *http.Request) (*http.Response, error)

// The request goes to a function that also receives the context and attaches it.
func post(ctx context.Context, do sendFunc, c *http.Client, url string, b []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	resp, err := do(ctx, c, req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Stored, but the stored copy never gets the context.
func (p *poller) prepare(ctx context.Context) {
	req, err := http.NewRequest(http.MethodGet, p.url, http.NoBody) // want "request-without-context"
	if err != nil {
		return
	}
	p.req = req
}

// Handed to a call without the context.
func postNoContext(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequest(http.MethodPost, url, nil) // want "request-without-context"
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
