package fixtures

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// A continue before the close leaks one body per skipped URL.
func Crawl(urls []string) {
	for _, u := range urls {
		resp, err := http.Get(u) // want "unclosed-body" "client-without-timeout"
		if err != nil {
			continue
		}
		if resp.StatusCode != http.StatusOK {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// A break out of the loop with the body open.
func FirstOK(c *http.Client, urls []string) string {
	for _, u := range urls {
		resp, err := c.Get(u) // want "unclosed-body"
		if err != nil {
			continue
		}
		if resp.StatusCode == http.StatusOK {
			break
		}
		resp.Body.Close()
	}
	return ""
}

// A poll loop never reaches the end of the function; every iteration strands a body.
func Poll(c *http.Client, u string, status chan<- int) {
	for {
		resp, err := c.Get(u) // want "unclosed-body"
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		status <- resp.StatusCode
		time.Sleep(time.Second)
	}
}

// ---- Quiet ----

// The same poll loop, closing each body.
func PollClosed(c *http.Client, u string, status chan<- int) {
	for {
		resp, err := c.Get(u)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		status <- resp.StatusCode
		resp.Body.Close()
		time.Sleep(time.Second)
	}
}

// Closed at the end of every iteration.
func CrawlClosed(urls []string) {
	for _, u := range urls {
		resp, err := http.Get(u) // want "client-without-timeout"
		if err != nil {
			continue
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// A retry loop that closes failed attempts and keeps the last response.
func RetryDo(c *http.Client, req *http.Request) ([]byte, error) {
	var resp *http.Response
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		resp, err = c.Do(req)
		if err == nil && resp.StatusCode < 500 {
			break
		}
		if err == nil {
			resp.Body.Close()
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// Each iteration's body is handed to a helper.
func Each(urls []string) {
	for _, u := range urls {
		resp, err := http.Get(u) // want "client-without-timeout"
		if err != nil {
			fmt.Println(err)
			continue
		}
		consume(resp)
	}
}

func consume(*http.Response) {}
