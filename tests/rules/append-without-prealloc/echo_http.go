package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

type Item struct {
	ID    string
	Price int
}

func ListIDs(c echo.Context) error {
	items := loadItems(c.Param("shop"))
	ids := make([]string, 0) // quiet: ranging over a call result's variable, type not written
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return c.JSON(http.StatusOK, ids)
}

func Prices(c echo.Context, items []Item) error {
	prices := make([]int, 0) // want "append-without-prealloc"
	for _, it := range items {
		prices = append(prices, it.Price)
	}
	return c.JSON(http.StatusOK, prices)
}

// A counted loop.
func Pages(w http.ResponseWriter, r *http.Request, n int) {
	var pages []int // want "append-without-prealloc"
	for i := 0; i < n; i++ {
		pages = append(pages, i*10)
	}
	json.NewEncoder(w).Encode(pages)
}

// Quiet: a channel has no length known in advance.
func Drain(ch <-chan Item) []Item {
	var out []Item
	for it := range ch {
		out = append(out, it)
	}
	return out
}

// Quiet: ranging over a function (an iterator) or a struct field.
func FromSeq(seq func(func(Item) bool), box struct{ Items []Item }) ([]Item, []Item) {
	var a []Item
	for it := range seq {
		a = append(a, it)
	}
	var b []Item
	for _, it := range box.Items {
		b = append(b, it)
	}
	return a, b
}

// Quiet: the counted loop changes its bound.
func Shrinking(n int) []int {
	var out []int
	for i := 0; i < n; i++ {
		out = append(out, i)
		n--
	}
	return out
}

// Quiet: the slice is read elsewhere in the body.
func Running(values []int) []int {
	var sums []int
	total := 0
	for _, v := range values {
		total += v
		sums = append(sums, total)
		if len(sums) > 100 {
			panic("too many")
		}
	}
	return sums
}

// Quiet: the loop returns early.
func Until(values []int, stop int) []int {
	var out []int
	for _, v := range values {
		if v == stop {
			return out
		}
		out = append(out, v)
	}
	return out
}

// Quiet: declared in another block.
func Nested(values []int, ok bool) []int {
	var out []int
	if ok {
		for _, v := range values {
			out = append(out, v)
		}
	}
	return out
}

func loadItems(shop string) []Item { return nil }

// A counted loop over a length.
func Doubles(values []int) []int {
	doubled := []int{} // want "append-without-prealloc"
	for i := 0; i < len(values); i++ {
		doubled = append(doubled, values[i]*2)
	}
	return doubled
}

// Quiet: a switch with a break (conservatively taken as leaving the loop).
func Kinds(values []int) []string {
	var kinds []string
	for _, v := range values {
		switch {
		case v < 0:
			break
		}
		kinds = append(kinds, "n")
	}
	return kinds
}

// Quiet: the counted loop does not start at zero.
func Tail(values []int) []int {
	var out []int
	for i := 1; i < len(values); i++ {
		out = append(out, values[i])
	}
	return out
}

// Quiet: the loop variable moves in the body.
func Skip(values []int) []int {
	var out []int
	for i := 0; i < len(values); i++ {
		out = append(out, values[i])
		i++
	}
	return out
}
