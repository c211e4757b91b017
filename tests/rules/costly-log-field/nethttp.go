package api

import (
	"fmt"
	"log"
	"net/http"

	"go.uber.org/zap"
)

type Profile struct {
	Name  string
	Attrs map[string]any
}

func ServeProfile(logger *zap.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := &Profile{Name: r.URL.Query().Get("name")}
		logger.Info("profile", zap.Any("profile", p)) // want "costly-log-field"
		logger.Info("request", zap.Any("req", r))     // want "costly-log-field"
		log.Printf("serving %+v", p)                  // want "costly-log-field"
		ids := []string{"a", "b"}
		logger.Info("ids", zap.Any("ids", ids)) // want "costly-log-field"
		logger.Info("path", zap.String("path", r.URL.Path))
		// Not a log call: the error is built once and returned.
		err := fmt.Errorf("bad profile %+v", p)
		logger.Error("profile", zap.Error(err))
		w.WriteHeader(http.StatusOK)
	}
}

// A worker loop: every message.
func consume(logger *zap.Logger, msgs <-chan Profile) {
	for m := range msgs {
		logger.Info("message", zap.Any("msg", m)) // want "costly-log-field"
		n := len(m.Attrs)
		logger.Debug("attrs", zap.Any("n", n)) // want "costly-log-field"
	}
}

// Quiet: a local variable named zap is not the package.
func shadow(w http.ResponseWriter, r *http.Request) {
	zap := fieldMaker{}
	zap.Any("p", Profile{})
}

type fieldMaker struct{}

func (fieldMaker) Any(string, any) {}
