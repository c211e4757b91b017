package fixtures

import (
	"context"
	"net/http"
	"net/url"
)

func submit(ctx context.Context, client *http.Client, u string, form url.Values) error {
	resp, err := client.PostForm(u, form) // want "request-without-context"
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
