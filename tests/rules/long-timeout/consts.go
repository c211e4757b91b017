package fixtures

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
)

const (
	readTimeout, writeTimeout = 5 * time.Second, 45 * time.Second
	derived                   = writeTimeout / 3
	nanos        time.Duration = 11e9
	counter                   = iota * time.Minute
)

func Consts(c *gin.Context) {
	base := c.Request.Context()
	ctx1, cancel1 := context.WithTimeout(base, writeTimeout) // want "long-timeout"
	defer cancel1()
	ctx2, cancel2 := context.WithTimeout(base, readTimeout)
	defer cancel2()
	ctx3, cancel3 := context.WithTimeout(base, derived+time.Nanosecond) // want "long-timeout"
	defer cancel3()
	ctx4, cancel4 := context.WithTimeout(base, nanos) // want "long-timeout"
	defer cancel4()
	ctx5, cancel5 := context.WithTimeout(base, counter)
	defer cancel5()
	ctx6, cancel6 := context.WithTimeout(base, (3/2)*10*time.Second) // untyped integer division: 10 s
	defer cancel6()
	_, _, _, _, _, _ = ctx1, ctx2, ctx3, ctx4, ctx5, ctx6
}

// A parameter named like a constant shadows it.
func ShadowParam(c *gin.Context, writeTimeout time.Duration) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), writeTimeout)
	defer cancel()
	_ = ctx
}
