package api

import (
	"github.com/gin-gonic/gin"

	"example.com/svc/cache"
)

var loaders = map[string]interface{ Load(string) []byte }{
	"disk":   &cache.Disk{},
	"memory": &cache.Memory{},
}

// Report loads through whichever loader the request names: the syntax cannot tell which.
func Report(c *gin.Context) {
	loader := loaders[c.Param("kind")]
	c.Data(200, "application/octet-stream", loader.Load(c.Param("kind")))
}
