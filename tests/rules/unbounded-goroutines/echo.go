package fixtures

import (
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

func warm(key string) {}

// One goroutine per comma-separated key of the request.
func Warm(c echo.Context) error {
	var wg sync.WaitGroup
	for _, key := range strings.Split(c.QueryParam("keys"), ",") {
		wg.Add(1)
		go func() { // want "unbounded-goroutines"
			defer wg.Done()
			warm(key)
		}()
	}
	wg.Wait()
	return nil
}

// Nested loops: the outer one over request data multiplies the inner counted one.
func WarmAll(c echo.Context) error {
	for _, key := range c.QueryParams()["key"] {
		for i := 0; i < 3; i++ {
			go warm(key) // want "unbounded-goroutines"
		}
	}
	return nil
}

// A fixed pool in an echo handler, fed from the request.
func WarmPool(c echo.Context) error {
	keys := make(chan string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				warm(k)
			}
		}()
	}
	for _, k := range c.QueryParams()["key"] {
		keys <- k
	}
	close(keys)
	wg.Wait()
	return nil
}
