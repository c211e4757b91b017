package fixtures

import (
	"io"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

// gohazard-fix: wrap-in-func

func Concat(c *gin.Context) {
	for _, name := range c.QueryArray("file") {
		f, err := os.Open(name)
		switch {
		case err != nil:
			c.Error(err)
			break
		default:
			defer f.Close() // want "defer-in-loop"

			io.Copy(c.Writer, f)
		}
	}
	c.Status(http.StatusOK)
}

func Sizes(w http.ResponseWriter, r *http.Request) {
	for _, name := range r.URL.Query()["file"] {
		f, err := os.Open(name)
		if err == nil {
			defer f.Close() // want "defer-in-loop"
			for i := 0; i < 2; i++ {
				if i == 1 {
					break
				}
				io.Copy(w, f)
			}
		}
	}
}
