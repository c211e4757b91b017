package fixtures

import (
	"bytes"
	"io/ioutil"
	"net/http"

	"github.com/gin-gonic/gin"
)

func Fetch(client *http.Client, req *http.Request) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return ioutil.ReadAll(resp.Body) // want "unbounded-read"
}

func Webhook(c *gin.Context) {
	payload, err := ioutil.ReadAll(c.Request.Body) // want "unbounded-read"
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.Data(http.StatusOK, "application/octet-stream", bytes.ToUpper(payload))
}
