package fixtures

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/ioutil"
	"net/http"
	"net/url"
	"os"
	"strings"
)

type Client struct {
	http *http.Client
	base string
}

// The incident: an upstream response read whole.
func (c *Client) Fetch(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	resBytes, err := io.ReadAll(resp.Body) // want "unbounded-read"
	return resBytes, err
}

// Package-level helpers of net/http.
func Get(u string) ([]byte, error) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return ioutil.ReadAll(resp.Body) // want "unbounded-read"
}

func Post(u string, payload []byte) (string, error) {
	resp, err := http.Post(u, "application/json", bytes.NewReader(payload)) // want "client-without-timeout"
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, resp.Body); err != nil { // want "unbounded-read"
		return "", err
	}
	return buf.String(), nil
}

func PostForm(client *http.Client, u string) error {
	resp, err := client.PostForm(u, url.Values{"a": {"b"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sb := new(strings.Builder)
	_, err = io.Copy(sb, resp.Body) // want "unbounded-read"
	return err
}

// A response parameter, read inside a closure.
func Decode(resp *http.Response) func() ([]byte, error) {
	return func() ([]byte, error) {
		return io.ReadAll((resp.Body)) // want "unbounded-read"
	}
}

// Declared first, assigned later.
func Declared(client *http.Client, req *http.Request) []byte {
	var resp *http.Response
	resp, _ = client.Do(req)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // want "unbounded-read"
	return b
}

// ---- Look-alikes that must stay quiet ----

// Bounded with io.LimitReader.
func Limited(u string) ([]byte, error) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// Bounded with an io.LimitedReader.
func Strict(u string) ([]byte, error) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limited := &io.LimitedReader{R: resp.Body, N: 1<<20 + 1}
	return io.ReadAll(limited)
}

// The body replaced by a bounded reader before the read.
func Replaced(u string) ([]byte, error) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	resp.Body = http.MaxBytesReader(nil, resp.Body, 1<<20)
	return io.ReadAll(resp.Body)
}

// Streaming copies: to the client, to a file, or discarded.
func Proxy(w http.ResponseWriter, u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

func Download(u string, f *os.File) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// A decoder streams.
func DecodeJSON(u string, v any) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// Not HTTP: an email, a queue message, a cache entry with a Body field.
type Message struct{ Body io.Reader }

type Cache struct{}

func (Cache) Get(key string) (*Message, error) { return nil, nil }

func Mail(msg *Message, cache Cache, rdb *Redis) {
	io.ReadAll(msg.Body)
	entry, _ := cache.Get("k")
	io.ReadAll(entry.Body)
	reply, _ := rdb.Do(context.Background(), "GET", "k")
	io.ReadAll(reply.Body)
}

type Redis struct{}

func (*Redis) Do(ctx context.Context, args ...any) (*Message, error) { return nil, nil }

// A range variable shadows nothing HTTP.
func Range(msgs []*Message) {
	for _, resp := range msgs {
		io.ReadAll(resp.Body)
	}
}

// Already in memory.
func Buffered(w *bytes.Buffer) {
	io.ReadAll(w)
}

// Clients recognised by type or by how they were made.
func Typed(hc *http.Client, u string) []byte {
	resp, _ := hc.Get(u)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // want "unbounded-read"
	return b
}

func Made(u string) []byte {
	c := &http.Client{} // want "client-without-timeout"
	resp, _ := c.Head(u)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // want "unbounded-read"
	resp2, _ := http.DefaultClient.Get(u) // want "client-without-timeout"
	defer resp2.Body.Close()
	b2, _ := io.ReadAll(resp2.Body) // want "unbounded-read"
	return append(b, b2...)
}
