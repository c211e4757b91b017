package fixtures

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

type API struct {
	client  *http.Client
	baseURL string
	last    *http.Response
}

// The incident: the body is closed on the happy path only; a bad status returns early.
func (a *API) Fetch(req *http.Request) ([]byte, error) {
	resp, err := a.client.Do(req) // want "unclosed-body"
	if err != nil {
		fmt.Printf("error calling %s: %s", req.URL, err.Error())
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// Never closed at all.
func Ping(u string) (int, error) {
	resp, err := http.Get(u) // want "unclosed-body" "client-without-timeout"
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// Closed explicitly, but the read error returns first.
func ReadAll(c *http.Client, u string) ([]byte, error) {
	resp, err := c.Get(u) // want "unclosed-body"
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return data, nil
}

// The error check also swallows bad statuses, which leaves the body open.
func Post(u string, payload string) error {
	resp, err := http.Post(u, "application/json", strings.NewReader(payload)) // want "unclosed-body" "client-without-timeout"
	if err != nil || resp.StatusCode >= 300 {
		return errors.New("post failed")
	}
	defer resp.Body.Close()
	return nil
}

// A client built in the function, multi-line call, shadowed decode error.
func Decode(u string, v any) error {
	client := &http.Client{} // want "client-without-timeout"
	resp, err := client.PostForm( // want "unclosed-body"
		u,
		url.Values{"q": {"x"}},
	)
	if err != nil {
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return err
	}
	return resp.Body.Close()
}

// The default client.
func Default(req *http.Request) error {
	resp, err := http.DefaultClient.Do(req) // want "unclosed-body"
	if err != nil {
		return err
	}
	fmt.Println(resp.Status)
	return nil
}

// A tagless switch: the error case is fine, the status case leaks.
func Switch(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req) // want "unclosed-body"
	switch {
	case err != nil:
		return err
	case resp.StatusCode == http.StatusNotFound:
		return errors.New("not found")
	}
	defer resp.Body.Close()
	return nil
}

// ---- Look-alikes and correct code that must stay quiet ----

// The canonical form.
func Good(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// Closed explicitly on every branch.
func Branches(u string) (string, error) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return string(b), err
}

// Success handled inside `if err == nil`.
func ErrNil(u string) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err == nil {
		defer resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
}

// The response is returned: the caller closes it. Also returned on the error path.
func (a *API) Raw(req *http.Request) (*http.Response, error) {
	resp, err := a.client.Do(req)
	if err != nil {
		return resp, err
	}
	return resp, nil
}

// Returned alongside data; the error path returns it too.
func (a *API) Call(req *http.Request) ([]byte, *http.Response, error) {
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, resp, err
	}
	return nil, resp, nil
}

// Passed to a helper that owns it.
func Helper(u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	return handle(resp)
}

// The body handed to a helper that is not a known reader.
func HelperBody(u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	return drain(resp.Body)
}

// Stored in a struct field.
func (a *API) Store(req *http.Request) error {
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	a.last = resp
	return nil
}

// Sent on a channel.
func Send(u string, out chan<- *http.Response) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return
	}
	out <- resp
}

// The error path returns before the response is known, the rest is deferred.
func Nil(u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if resp == nil {
		return err
	}
	defer resp.Body.Close()
	return err
}

// A deferred closure that closes it.
func Closure(u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	defer func() {
		if cerr := resp.Body.Close(); cerr != nil {
			fmt.Println(cerr)
		}
	}()
	return nil
}

// A goroutine takes it over.
func Goroutine(u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	go func() {
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
	}()
	return nil
}

// An error check through a helper: not understood, so not reported.
func CheckHelper(u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if failed(err) {
		return err
	}
	defer resp.Body.Close()
	return nil
}

// A named result is the caller's.
func Named(u string) (resp *http.Response, err error) {
	resp, err = http.Get(u) // want "client-without-timeout"
	if err != nil {
		return
	}
	return
}

// A HEAD response has no body to leak.
func Head(u string) (int, error) {
	resp, err := http.Head(u) // want "client-without-timeout"
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// Discarded responses are a different problem.
func Discard(u string) error {
	_, err := http.Get(u) // want "client-without-timeout"
	return err
}

// A panic ends the path.
func Fatal(u string) {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		panic(err)
	}
	if resp.StatusCode != 200 {
		panic("bad status")
	}
	resp.Body.Close()
}

func handle(*http.Response) error { return nil }
func drain(io.ReadCloser) error   { return nil }
func failed(error) bool           { return false }

// The body rewrapped with a limit: closing the wrapper closes the body.
func Limited(u string) error {
	resp, err := http.Get(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	resp.Body = http.MaxBytesReader(nil, resp.Body, 1<<20)
	defer resp.Body.Close()
	return nil
}

// The same rewrap, never closed.
func LimitedLeak(u string) error {
	resp, err := http.Get(u) // want "unclosed-body" "client-without-timeout"
	if err != nil {
		return err
	}
	resp.Body = http.MaxBytesReader(nil, resp.Body, 1<<20)
	return nil
}

// Read through an io.LimitedReader, and a status check that returns first.
func Strict(u string) ([]byte, error) {
	resp, err := http.Get(u) // want "unclosed-body" "client-without-timeout"
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	limited := &io.LimitedReader{R: resp.Body, N: 1 << 20}
	b, err := io.ReadAll(limited)
	resp.Body.Close()
	return b, err
}
