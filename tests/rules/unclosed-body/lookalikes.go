package fixtures

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-redis/redis/v8"
	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/patrickmn/go-cache"
)

// An in-memory cache: Get with one argument, but no response in sight.
func Cached(c *cache.Cache, key string) (any, error) {
	item, found := c.Get(key)
	if !found {
		return nil, fmt.Errorf("miss %s", key)
	}
	return item, nil
}

// A package-level Get of another package.
func PkgGet(key string) {
	v, err := cache.Get(key)
	if err != nil {
		return
	}
	fmt.Println(v)
}

// redis: Do takes a context and arguments.
func Redis(ctx context.Context, rdb *redis.Client) (any, error) {
	val, err := rdb.Do(ctx, "GET", "k").Result()
	if err != nil {
		return nil, err
	}
	res, err := rdb.Get(ctx, "k").Result()
	return val, fmt.Errorf("%s: %w", res, err)
}

// resty reads and closes the body itself; its StatusCode and Body are methods.
func Resty(client *resty.Client, u string) (int, error) {
	resp, err := client.R().Get(u)
	if err != nil {
		return 0, err
	}
	fmt.Println(resp.Body())
	return resp.StatusCode(), nil
}

// A client from another package is not followed.
func Retry(u string) (int, error) {
	client := retryablehttp.NewClient()
	resp, err := client.Get(u)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// A local type whose Get returns something else.
type Store struct{}

type Item struct {
	StatusCode int
	Body       []byte
}

func (s *Store) Get(key string) (*Item, error) { return &Item{}, nil }

func Local(s *Store) (int, error) {
	it, err := s.Get("k")
	if err != nil {
		return 0, err
	}
	return it.StatusCode, nil
}

// An unknown receiver whose result is never used like a response.
func Unknown(repo interface{ Get(string) (string, error) }) error {
	v, err := repo.Get("k")
	if err != nil {
		return err
	}
	fmt.Println(v)
	return nil
}
