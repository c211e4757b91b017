package fixtures

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func Logging() gin.HandlerFunc {
	return func(ctx *gin.Context) {
		ctx.Set("start", time.Now().UnixMilli())
		ctx.Next()
		ctx.Set("processing_time", time.Now().UnixMilli()-ctx.GetInt64("start"))
		ctx.Next() // want "double-next"
	}
}

func Logger(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		next.ServeHTTP(w, r) // want "double-next"
	})
}
