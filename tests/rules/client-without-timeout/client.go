package fixtures

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

var shared = &http.Client{} // want "client-without-timeout"

type api struct {
	http *http.Client
}

func newAPI(jar http.CookieJar) *api {
	return &api{http: &http.Client{Jar: jar}} // want "client-without-timeout"
}

func bareTransport() *http.Client {
	return &http.Client{ // want "client-without-timeout"
		Transport: &http.Transport{MaxIdleConnsPerHost: 10},
	}
}

func valueLiteral() http.Client {
	return http.Client{} // want "client-without-timeout"
}

func fetch(u string) (*http.Response, error) {
	return http.Get(u) // want "client-without-timeout"
}

func notify(u, payload string) error {
	resp, err := http.Post(u, "text/plain", strings.NewReader(payload)) // want "client-without-timeout"
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func submit(u string, form url.Values) error {
	resp, err := http.PostForm(u, form) // want "client-without-timeout"
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func probe(u string) error {
	resp, err := http.DefaultClient.Head(u) // want "client-without-timeout"
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// ---- Quiet: a timeout somewhere, or a transport we cannot see into ----

var bounded = &http.Client{Timeout: 5 * time.Second}

func headerTimeout() *http.Client {
	return &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 5 * time.Second}}
}

func dialTimeout() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext: (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
		},
	}
}

func customTransport(rt http.RoundTripper) *http.Client {
	return &http.Client{Transport: rt}
}

func wrappedTransport() *http.Client {
	return &http.Client{Transport: instrument(http.DefaultTransport)}
}

func instrument(rt http.RoundTripper) http.RoundTripper { return rt }

func configuredLater() *http.Client {
	c := &http.Client{}
	c.Timeout = 10 * time.Second
	return c
}

type service struct {
	client *http.Client
}

func newService() *service {
	return &service{client: &http.Client{}}
}

func (s *service) withTimeout(d time.Duration) {
	s.client.Timeout = d
}

func configuredByHelper() *http.Client {
	c := &http.Client{}
	applyDefaults(c)
	return c
}

func applyDefaults(c *http.Client) {
	c.Transport = &http.Transport{ResponseHeaderTimeout: time.Second}
}

// A client built by a helper: the helper is where the timeout belongs.
func helperBuilt() (*http.Response, error) {
	c := newClient()
	return c.Get("http://example.com")
}

func newClient() *http.Client { return &http.Client{Timeout: time.Second} }

// Do(req): the request may carry a context with a deadline.
func withRequest(req *http.Request) (*http.Response, error) {
	return http.DefaultClient.Do(req)
}

// Not the package: a cache and a local variable named http.
type cache struct{}

func (cache) Get(key string) string { return key }

func lookups(c cache) string {
	http := c
	return http.Get("k")
}
