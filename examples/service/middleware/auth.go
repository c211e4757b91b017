package middleware

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
)

const claimsKey = "claims"

// Claims describe the caller, as verified by the API gateway: identity, every role and group, and
// per-tenant permissions. For staff accounts this is several kilobytes.
type Claims struct {
	Subject     string              `json:"sub"`
	Email       string              `json:"email"`
	Roles       []string            `json:"roles"`
	Groups      []string            `json:"groups"`
	Permissions map[string][]string `json:"permissions"`
	Metadata    map[string]any      `json:"metadata"`
	ExpiresAt   int64               `json:"exp"`
}

// Auth reads the claims that the gateway has already verified and forwards, base64-encoded JSON,
// in the X-Userinfo header.
func Auth() gin.HandlerFunc {
	return func(c *gin.Context) {
		raw, err := base64.StdEncoding.DecodeString(c.GetHeader("X-Userinfo"))
		if err != nil || len(raw) == 0 {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "missing user info"})
			return
		}
		var claims Claims
		if err := json.Unmarshal(raw, &claims); err != nil {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "malformed user info"})
			return
		}
		c.Set(claimsKey, &claims)
		c.Next()
	}
}

// ClaimsFrom returns the claims that Auth stored for the request.
func ClaimsFrom(c *gin.Context) *Claims {
	claims, _ := c.MustGet(claimsKey).(*Claims)
	return claims
}
