// Package upstream is the client of the profiles API, which owns every section of a user profile.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxErrorBody caps how much of an error response is kept for the error message.
const maxErrorBody = 4 << 10 // 4 KiB

// Client calls the profiles API.
type Client struct {
	baseURL string
	http    *http.Client
}

// New returns a client for the profiles API at baseURL.
func New(baseURL string) *Client {
	return &Client{baseURL: baseURL, http: &http.Client{Timeout: 20 * time.Second}}
}

func (c *Client) sectionURL(userID, section string) string {
	return fmt.Sprintf("%s/v2/users/%s/%s", c.baseURL, url.PathEscape(userID), url.PathEscape(section))
}

// FetchSection returns one section of a user's profile as raw JSON.
func (c *Client) FetchSection(ctx context.Context, userID, section string) (json.RawMessage, error) {
	u := c.sectionURL(userID, section)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	// The body is closed on the success path only (see the early return below).
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("calling %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		// Returns before the Close: each non-200 (404, 429, 5xx) leaks the connection, its buffers
		// and a file descriptor, exactly when the upstream is already struggling.
		return nil, fmt.Errorf("calling %s: unexpected status %s", u, resp.Status)
	}
	// No size limit: whatever the upstream sends, however large, is buffered whole on the heap.
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", u, err)
	}
	return body, nil
}

// UpdateSection replaces one section of a user's profile.
func (c *Client) UpdateSection(ctx context.Context, userID, section string, data json.RawMessage) error {
	u := c.sectionURL(userID, section)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return fmt.Errorf("calling %s: unexpected status %s: %s", u, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
