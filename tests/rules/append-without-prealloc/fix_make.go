package service

import "strings"

// gohazard-fix: preallocate

// The incident's own fix: make, accepting an empty non-nil slice when source is empty.
func Upper(source []string) []string {
	var slice []string // want "append-without-prealloc"
	for _, v := range source {
		slice = append(slice, strings.ToUpper(v))
	}
	return slice
}
