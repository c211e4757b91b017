package fixtures

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

func Fetch(u string) (int, error) {
	//gohazard:ignore client-without-timeout this fixture is about the body, not the client
	resp, err := http.Get(u) // want "unclosed-body"
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", u, err)
	}
	return resp.StatusCode, nil
}

// The error is discarded: the defer goes right after the call.
func Quick(c *http.Client, req *http.Request) int {
	resp, _ := c.Do(req) // want "unclosed-body"
	return resp.StatusCode
}

// The existing defer comes too late; it moves up.
func Late(c *http.Client, u string) ([]byte, error) {
	res, e := c.Get(u) // want "unclosed-body"
	if e != nil {
		return nil, e
	}
	if res.StatusCode != http.StatusOK {
		return nil, errors.New(res.Status)
	}
	defer res.Body.Close()
	return io.ReadAll(io.LimitReader(res.Body, 1<<20))
}

// Assignment to a declared variable, in a nested block.
func Assign(c *http.Client, req *http.Request, verbose bool) error {
	var resp *http.Response
	var err error
	if verbose {
		resp, err = c.Do(req) // want "unclosed-body"
		if err != nil {
			return err
		}
		fmt.Println(resp.Status)
	}
	return nil
}
