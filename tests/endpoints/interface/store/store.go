package store

import (
	"context"
	"time"
)

// Repo is what the handlers need of a store.
type Repo interface {
	All(owner string) []string
	One(owner, id string) string
}

// Notifier tells someone about a change.
type Notifier interface {
	Send(msg string)
}

// Postgres implements Repo.
type Postgres struct{}

func NewPostgres() *Postgres { return &Postgres{} }

// All queries both replicas at once, each under a detached 5 s timeout.
func (p *Postgres) All(owner string) []string {
	out := make(chan string, 2)
	for _, replica := range []string{"primary", "standby"} {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			<-ctx.Done()
			out <- replica + owner
		}()
	}
	return []string{<-out, <-out}
}

func (p *Postgres) One(owner, id string) string { return owner + id }

// Cache has an All too but no One: it is not a Repo, and must not be taken for one.
type Cache struct{}

func (c *Cache) All(owner string) []string {
	for i := 0; i < 8; i++ {
		go func() {}()
	}
	return nil
}

// Email and SMS both implement Notifier: a call through it cannot be resolved to one.
type Email struct{}

func NewEmail() *Email { return &Email{} }

func (e *Email) Send(msg string) {}

type SMS struct{}

func (s *SMS) Send(msg string) {}
