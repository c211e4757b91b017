package fixtures

import "github.com/gin-gonic/gin"

// Each second call below is a real double, silenced on purpose in every supported way.

func EndOfLine(c *gin.Context) {
	c.Next()
	c.Next() //gohazard:ignore double-next the second pass re-renders the cached page
}

func LineAbove(c *gin.Context) {
	c.Next()
	//gohazard:ignore double-next,unclosed-body retried on purpose
	c.Next()
}

func NolintAll(c *gin.Context) {
	c.Next()
	c.Next() //nolint
}

func NolintGohazard(c *gin.Context) {
	c.Next()
	c.Next() //nolint:gohazard // legacy
}

func NolintRule(c *gin.Context) {
	c.Next()
	c.Next() //nolint:errcheck,double-next
}

// Suppressions for other rules, or too far away, do not silence it.

func OtherRule(c *gin.Context) {
	c.Next()
	c.Next() //gohazard:ignore unclosed-body wrong rule // want "double-next"
}

func TooFar(c *gin.Context) {
	//gohazard:ignore double-next only the next line is covered
	c.Next()

	c.Next() // want "double-next"
}

func NolintOtherLinter(c *gin.Context) {
	c.Next()
	c.Next() //nolint:errcheck // want "double-next"
}
