package api

import (
	"context"
	"net/http"
)

type Options struct {
	Limit int
}

type Item struct{ Name string }

// opts is an options struct: nil or an empty struct means defaults, not "everything".
func List(ctx context.Context, opts *Options) ([]Item, error) { return nil, nil }

func ListWith(ctx context.Context, opts Options) ([]Item, error) { return nil, nil }

// query is a search string, not a map.
func Search(ctx context.Context, query string, limit int) ([]Item, error) { return nil, nil }

// An HTTP helper: an empty query map means "no URL parameters".
func getJSON(ctx context.Context, path string, query map[string]string, out any) error { return nil }

// labels are attached to the item, not matched against.
func Tag(ctx context.Context, labels map[string]string) error { return nil }

// Interface with a filter-named parameter whose type is not a map: nil is a default.
type Finder interface {
	FindAll(ctx context.Context, filter *Filter) ([]Item, error)
}

type Filter struct{ State string }

// A map-typed options parameter used as a filter.
func Lookup(ctx context.Context, opts map[string]string) ([]Item, error) { return nil, nil }

func handle(w http.ResponseWriter, r *http.Request, f Finder) {
	ctx := r.Context()
	List(ctx, nil)
	List(ctx, &Options{})
	ListWith(ctx, Options{})
	Search(ctx, "", 10)
	getJSON(ctx, "/v1/items", map[string]string{}, nil)
	getJSON(ctx, "/v1/items", nil, nil)
	Tag(ctx, map[string]string{})
	f.FindAll(ctx, nil)
	f.FindAll(ctx, &Filter{})
	Lookup(ctx, map[string]string{}) // want "empty-filter"
	// A function literal held in a local variable is not a declared function: not followed.
	find := func(filter map[string]string) {}
	find(nil)
	// Suppressed on purpose: the export really needs every record.
	Lookup(ctx, nil) //gohazard:ignore empty-filter full export
}
