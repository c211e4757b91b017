package fixtures

import (
	"encoding/json"
	"net/http"
)

type OrderStore struct{}

func (s *OrderStore) FindOrders(userID string, filter map[string]string) ([]string, error) {
	return nil, nil
}

var orders = &OrderStore{}

func Orders(w http.ResponseWriter, r *http.Request) {
	list, err := orders.FindOrders(r.URL.Query().Get("user"), map[string]string{}) // want "empty-filter"
	if err != nil {
		http.Error(w, "unavailable", http.StatusBadGateway)
		return
	}
	_ = json.NewEncoder(w).Encode(list)
}

// A populated filter is what the call is for.
func ActiveOrders(w http.ResponseWriter, r *http.Request) {
	list, _ := orders.FindOrders(r.URL.Query().Get("user"), map[string]string{"state": "active"})
	_ = json.NewEncoder(w).Encode(list)
}
