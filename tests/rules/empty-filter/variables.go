package store

import "context"

type Row struct{ ID int }

type Store struct{}

// Find returns the rows matching every key of where.
func (s *Store) Find(ctx context.Context, where map[string]any) ([]Row, error) { return nil, nil }

// Count takes its filters as a variadic list.
func (s *Store) Count(ctx context.Context, filters ...map[string]any) (int, error) { return 0, nil }

type Service struct{ store *Store }

func (svc *Service) Rows(ctx context.Context) ([]Row, error) {
	where := map[string]any{}
	return svc.store.Find(ctx, where) // want "empty-filter"
}

func (svc *Service) RowsNilVar(ctx context.Context) ([]Row, error) {
	var where map[string]any
	return svc.store.Find(ctx, where) // want "empty-filter"
}

func (svc *Service) Total(ctx context.Context) (int, error) {
	return svc.store.Count(ctx, map[string]any{}) // want "empty-filter"
}

// Look-alikes below.

func (svc *Service) RowsFilled(ctx context.Context, tenant string) ([]Row, error) {
	where := map[string]any{}
	where["tenant"] = tenant
	return svc.store.Find(ctx, where)
}

func (svc *Service) RowsReassigned(ctx context.Context, tenant string) ([]Row, error) {
	where := map[string]any{}
	where = scoped(tenant)
	return svc.store.Find(ctx, where)
}

func scoped(tenant string) map[string]any { return map[string]any{"tenant": tenant} }

// The filter comes from the caller: the rule does not follow parameters.
func (svc *Service) RowsFrom(ctx context.Context, where map[string]any) ([]Row, error) {
	return svc.store.Find(ctx, where)
}

// Filled in a closure before use.
func (svc *Service) RowsClosure(ctx context.Context, tenant string) ([]Row, error) {
	where := map[string]any{}
	fill := func() { where["tenant"] = tenant }
	fill()
	return svc.store.Find(ctx, where)
}

// A package-level variable may be filled anywhere.
var everything = map[string]any{}

func (svc *Service) All(ctx context.Context) ([]Row, error) {
	return svc.store.Find(ctx, everything)
}

// An empty filter next to a real one may add nothing.
func (svc *Service) Live(ctx context.Context) (int, error) {
	return svc.store.Count(ctx, map[string]any{"deleted": false}, map[string]any{})
}

// A spread of filters built elsewhere.
func (svc *Service) TotalOf(ctx context.Context, fs []map[string]any) (int, error) {
	return svc.store.Count(ctx, fs...)
}
