package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type Record struct {
	ID    string
	State string
}

// GetInfo is the incident's callee: each filter entry narrows what the toolbox returns.
func GetInfo(userID, scope string, filter map[string]string) ([]Record, error) {
	return nil, nil
}

func UserInfo(c *gin.Context) {
	userID := c.Param("id")
	// The incident: every record, revoked and expired ones included, is loaded on every request.
	info, err := GetInfo(userID, "", make(map[string]string)) // want "empty-filter"
	if err != nil {
		c.AbortWithStatus(http.StatusBadGateway)
		return
	}
	c.JSON(http.StatusOK, info)
}

func UserInfoLiteral(c *gin.Context) {
	info, _ := GetInfo(c.Param("id"), "", map[string]string{}) // want "empty-filter"
	c.JSON(http.StatusOK, info)
}

func UserInfoNil(c *gin.Context) {
	info, _ := GetInfo(c.Param("id"), "", nil) // want "empty-filter"
	c.JSON(http.StatusOK, info)
}

func UserInfoSized(c *gin.Context) {
	info, _ := GetInfo(c.Param("id"), "", make(map[string]string, 4)) // want "empty-filter"
	c.JSON(http.StatusOK, info)
}

// Look-alike: the filter the call needs.
func ActiveInfo(c *gin.Context) {
	info, _ := GetInfo(c.Param("id"), "", map[string]string{"state": "active"})
	c.JSON(http.StatusOK, info)
}

// Look-alike: a filter map filled before the call.
func FilteredInfo(c *gin.Context) {
	filter := make(map[string]string)
	filter["state"] = "active"
	info, _ := GetInfo(c.Param("id"), "", filter)
	c.JSON(http.StatusOK, info)
}

// Look-alike: filled only when the client asks for it, which the rule cannot judge.
func MaybeFilteredInfo(c *gin.Context) {
	filter := map[string]string{}
	if s := c.Query("state"); s != "" {
		filter["state"] = s
	}
	info, _ := GetInfo(c.Param("id"), "", filter)
	c.JSON(http.StatusOK, info)
}

// Look-alike: the map is filled by a helper it is passed to.
func HelperFilledInfo(c *gin.Context) {
	filter := map[string]string{}
	addDefaults(filter)
	info, _ := GetInfo(c.Param("id"), "", filter)
	c.JSON(http.StatusOK, info)
}

func addDefaults(m map[string]string) { m["state"] = "active" }

// Look-alike: an empty scope string is not a map.
func ScopeOnly(c *gin.Context) {
	info, _ := GetInfo(c.Param("id"), "", map[string]string{"state": "active", "kind": "seat"})
	c.JSON(http.StatusOK, info)
}
