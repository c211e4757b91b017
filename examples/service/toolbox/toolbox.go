// Package toolbox is the client of the internal toolbox API, which stores users' entitlements.
package toolbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// StateActive is the state of an entitlement that is currently granted.
const StateActive = "active"

// maxInfoSize caps a GetInfo response; a filtered one is a few kilobytes.
const maxInfoSize = 1 << 20 // 1 MiB

// Record is one entitlement of a user.
type Record struct {
	Tag       string            `json:"tag"`
	Scope     string            `json:"scope"`
	State     string            `json:"state"`
	Grants    map[string]string `json:"grants"`
	UpdatedAt time.Time         `json:"updated_at"`
}

var (
	baseURL = "http://toolbox.internal"
	client  = &http.Client{Timeout: 5 * time.Second}
)

// Configure points the package at the toolbox API.
func Configure(base string) {
	baseURL = strings.TrimSuffix(base, "/")
}

// GetInfo returns a user's entitlements. scope restricts them to one product ("" for all), and
// each filter entry becomes a query parameter, for example {"state": "active"}. Without a filter
// the API returns every record it has ever stored for the user, revoked and expired ones included.
func GetInfo(userID, scope string, filter map[string]string) ([]Record, error) {
	q := url.Values{}
	if scope != "" {
		q.Set("scope", scope)
	}
	for k, v := range filter {
		q.Set(k, v)
	}
	u := fmt.Sprintf("%s/v1/users/%s/info?%s", baseURL, url.PathEscape(userID), q.Encode())
	resp, err := client.Get(u)
	if err != nil {
		return nil, fmt.Errorf("toolbox: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("toolbox: unexpected status %s", resp.Status)
	}
	// A truncated body fails to decode rather than being taken as complete.
	var records []Record
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxInfoSize)).Decode(&records); err != nil {
		return nil, fmt.Errorf("toolbox: decoding response: %w", err)
	}
	return records, nil
}
