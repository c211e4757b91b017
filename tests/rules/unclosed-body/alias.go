package fixtures

import (
	"io"
	stdhttp "net/http"

	http "example.com/fake/http"
)

// `http` is another package here; its Get is not net/http's.
func Fake(u string) (int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// net/http under an alias is still followed.
func Aliased(u string) ([]byte, error) {
	resp, err := stdhttp.Get(u) // want "unclosed-body" "client-without-timeout"
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// A client field typed through the alias.
type Poller struct {
	hc *stdhttp.Client
}

func (p *Poller) Poll(req *stdhttp.Request) (int, error) {
	resp, err := p.hc.Do(req) // want "unclosed-body"
	if err != nil {
		return 0, err
	}
	if resp.StatusCode == stdhttp.StatusNoContent {
		return 0, nil
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
