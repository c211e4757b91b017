package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type Update struct {
	Section string
	Data    []byte
}

type Record struct {
	Tag    string
	Active bool
}

// The incident's shape, in a gin handler.
func UpdateUser(c *gin.Context) {
	var updates []Update
	if err := c.ShouldBindJSON(&updates); err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	var updated []string // want "append-without-prealloc"
	for _, u := range updates {
		updated = append(updated, u.Section)
	}
	c.JSON(http.StatusOK, gin.H{"updated": updated})
}

// A map parameter, a := declaration with an empty literal.
func Keys(c *gin.Context, index map[string]Record) {
	keys := []string{} // want "append-without-prealloc"
	// Comments between the declaration and the loop are fine.
	for k := range index {
		keys = append(keys, k)
	}
	c.JSON(http.StatusOK, keys)
}

// Quiet: the append is under a condition, so len(records) is only an upper bound.
func ActiveTags(records []Record) []string {
	var tags []string
	for _, r := range records {
		if r.Active {
			tags = append(tags, r.Tag)
		}
	}
	return tags
}

// Quiet: already preallocated.
func AllTags(records []Record) []string {
	tags := make([]string, 0, len(records))
	for _, r := range records {
		tags = append(tags, r.Tag)
	}
	return tags
}

// Quiet: the loop may stop early.
func FirstTags(records []Record) []string {
	var tags []string
	for _, r := range records {
		if r.Tag == "" {
			break
		}
		tags = append(tags, r.Tag)
	}
	return tags
}

// Quiet: a continue skips iterations.
func NonEmpty(records []Record) []string {
	var tags []string
	for _, r := range records {
		if r.Tag == "" {
			continue
		}
		tags = append(tags, r.Tag)
	}
	return tags
}

// Quiet: appends of x... add a variable number of elements.
func Flatten(groups [][]string) []string {
	var all []string
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// Quiet: the slice is used between the declaration and the loop.
func Prefixed(c *gin.Context, names []string) {
	var out []string
	out = append(out, "header")
	for _, n := range names {
		out = append(out, n)
	}
	c.JSON(http.StatusOK, out)
}
