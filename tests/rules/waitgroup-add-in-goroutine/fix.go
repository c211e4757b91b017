package fixtures

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

func Notify(c *gin.Context, hooks []string) {
	var wg sync.WaitGroup
	for _, h := range hooks {
		go func() { //gohazard:ignore unbounded-goroutines the fan-out is tested by unbounded-goroutines, not here
			wg.Add(1) // want "waitgroup-add-in-goroutine"
			defer wg.Done()
			http.Post(h, "application/json", nil)
		}()
	}
	wg.Wait()
}

func Mirror(w http.ResponseWriter, r *http.Request, wg *sync.WaitGroup) {
	go func(url string) {
		// Count the copy before it starts.
		wg.Add(1) // want "waitgroup-add-in-goroutine"
		defer wg.Done()
		http.Get(url)
	}(r.URL.String())
	wg.Wait()
}
