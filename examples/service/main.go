// Command userservice serves the /users API behind the company gateway.
package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"example.com/userservice/handlers"
	"example.com/userservice/middleware"
	"example.com/userservice/toolbox"
	"example.com/userservice/upstream"
)

func main() {
	logger, err := zap.NewProduction()
	if err != nil {
		panic(err)
	}
	defer logger.Sync() //nolint:errcheck // nothing left to report to

	toolbox.Configure(os.Getenv("TOOLBOX_URL"))
	profiles := upstream.New(os.Getenv("PROFILES_URL"))
	users := handlers.NewUsers(profiles, logger)

	gin.SetMode(gin.ReleaseMode)
	router := gin.New()
	router.Use(gin.Recovery(), middleware.LoggingMiddleware(logger))
	router.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	api := router.Group("/users", middleware.Auth())
	api.GET("/:id", users.GetUser)
	api.GET("/:id/card", users.GetUserCard)
	api.PUT("/:id", users.UpdateUser)

	// Back-office tools read full profiles too; their traffic is logged at debug level.
	special := router.Group("/special", middleware.Auth())
	special.GET("/users/:id", users.GetUser)

	srv := &http.Server{
		Addr:              ":8080",
		Handler:           router,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		logger.Info("listening", zap.String("addr", srv.Addr))
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Fatal("server stopped", zap.Error(err))
		}
	}()

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown", zap.Error(err))
	}
}
