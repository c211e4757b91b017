package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"example.com/app/auth"
)

// Claims describe the caller: identity, roles, groups and per-tenant permissions.
type Claims struct {
	Subject     string
	Roles       []string
	Permissions map[string][]string
}

// UserID formats itself, so loggers and fmt call String instead of reflecting.
type UserID struct{ raw string }

func (u UserID) String() string { return u.raw }

type Handler struct {
	logger *zap.Logger
}

// The incident: the whole claims tree, by reflection, on every request.
func (h *Handler) GetUser(c *gin.Context) {
	claims, _ := c.MustGet("claims").(*Claims)
	h.logger.Info("get user", zap.Any("claims", claims)) // want "costly-log-field"
	start := time.Now()
	h.logger.Debug("took", zap.Any("took", time.Since(start)))               // want "costly-log-field"
	h.logger.Debug("again", zap.Any("claims", lookupClaims(claims.Subject))) // want "costly-log-field"
	c.JSON(http.StatusOK, gin.H{"sub": claims.Subject})
}

// A composite literal and a map built in the handler.
func (h *Handler) Search(c *gin.Context) {
	filter := map[string]string{"q": c.Query("q")}
	h.logger.Info("search", zap.Any("filter", filter))               // want "costly-log-field"
	h.logger.Info("page", zap.Reflect("page", Claims{Subject: "x"})) // want "costly-log-field"
	h.logger.Info(fmt.Sprintf("claims: %+v", &Claims{}))             // want "costly-log-field"
	c.Status(http.StatusOK)
}

// Logging middleware: a var of struct type declared in the middleware.
func Logging(logger *zap.Logger) gin.HandlerFunc {
	return func(ctx *gin.Context) {
		var claims Claims
		ctx.Next()
		logger.Info("request", zap.Any("claims", claims)) // want "costly-log-field"
		logger.Sugar().Infof("claims %v", claims)         // want "costly-log-field"
	}
}

// Quiet: values whose type is not written, types that format themselves, typed fields.
func (h *Handler) Quiet(c *gin.Context) {
	claims := auth.ClaimsFrom(c)
	h.logger.Info("claims", zap.Any("claims", claims))
	h.logger.Info("user", zap.Any("user", c.Keys["user"]))
	h.logger.Info("id", zap.Any("id", UserID{raw: "u"}))
	h.logger.Info("id", zap.Any("id", &UserID{raw: "u"}))
	h.logger.Info("ok", zap.Any("ok", true), zap.Any("name", "literal"), zap.Any("n", 42))
	var err error
	h.logger.Info("err", zap.Any("err", err))
	h.logger.Info("sub", zap.String("sub", claims.Subject))
	h.logger.Info("claims", zap.Object("claims", nil))
	// fmt outside a log call is not this rule's business.
	c.String(http.StatusOK, fmt.Sprintf("%+v", Claims{}))
	// %p and %T do not walk the value.
	h.logger.Info(fmt.Sprintf("%T %p", Claims{}, &Claims{}))
}

// Quiet: not a handler and not in a loop.
func describe(logger *zap.Logger, claims *Claims) {
	logger.Info("claims", zap.Any("claims", claims))
}

func lookupClaims(id string) Claims { return Claims{Subject: id} }
