package fixtures

import (
	"context"
	stdctx "context"
	"net/http"
	"time"
)

type Service struct{ http *http.Client }

// The incident's service method, with a plain context.Context parameter.
func (s Service) GetUserInfo(ctx context.Context, userID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // want "detached-context" "long-timeout"
	defer cancel()
	return s.load(ctx, userID)
}

// An aliased import of the standard library's context.
func (s Service) Aliased(ctx stdctx.Context) error {
	return s.load(stdctx.WithValue(stdctx.Background(), key{}, 1), "x") // want "detached-context"
}

// A goroutine started with a detached context, several closures deep.
func (s Service) Fanout(ctx context.Context, ids []string) {
	for _, id := range ids {
		go func() { // want "unbounded-goroutines"
			func() {
				s.load(context.TODO(), id) // want "detached-context"
			}()
		}()
	}
}

// The closure declares its own `ctx` from the detached one: the right-hand side still sees the
// parameter, so the fix is right.
func (s Service) Inner(ctx context.Context) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second) // want "detached-context"
		defer cancel()
		s.load(ctx, "x")
	}()
}

// An inner block redeclares `ctx`: the name no longer means the parameter.
func (s Service) Shadowed(ctx context.Context, items []string) {
	for _, ctx := range items {
		s.load(context.Background(), ctx)
	}
	if ctx := "name"; ctx != "" {
		s.load(context.Background(), ctx)
	}
}

// A blank context parameter gives nothing to derive from.
func (s Service) Blank(_ context.Context) {
	s.load(context.Background(), "x")
}

// Constructors and lifecycle functions: their loops are meant to outlive the context they get.
func NewService(ctx context.Context) *Service {
	s := &Service{}
	go s.refresh(context.Background())
	return s
}

func (s *Service) Run(ctx context.Context) error {
	go s.refresh(context.Background())
	<-ctx.Done()
	return nil
}

// After waiting for its own context to end, a function needs a fresh one to clean up.
func (s *Service) Serve(ctx context.Context, srv *http.Server) {
	go srv.ListenAndServe()
	s.drain(ctx, srv)
}

func (s *Service) drain(ctx context.Context, srv *http.Server) {
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.load(sctx, "flush")
	}
}

// No context, no request: nothing to inherit from.
func (s Service) Warm() {
	s.load(context.Background(), "x")
}

// The nil guard.
func (s Service) orDefault(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return ctx
}

// A package that is not the standard library's context.
type fake struct{}

func (fake) Background() context.Context { return nil }

func (s Service) Other(ctx context.Context, context fake) {
	s.load(context.Background(), "x")
}

func (s Service) load(ctx context.Context, id string) error { return nil }
func (s *Service) refresh(ctx context.Context)             {}

type key struct{}
