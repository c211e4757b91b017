package service

// The incident: nil slice returned, so the preferred fix keeps it nil with slices.Grow.
func Copy(source []string) []string {
	var slice []string // want "append-without-prealloc"
	for _, v := range source {
		slice = append(slice, v)
	}
	return slice
}

// Only len is read after the loop: make is preferred.
func Count(m map[string]int) int {
	var keys []string // want "append-without-prealloc"
	for k := range m {
		keys = append(keys, k)
	}
	return len(keys)
}

// A non-nil empty declaration is already non-nil: make keeps its meaning.
func Squares(n int) []int {
	out := []int{} // want "append-without-prealloc"
	for i := 0; i < n; i++ {
		out = append(out, i*i)
	}
	return out
}

// Range over an integer (Go 1.22).
func Seq(n int) []int {
	ids := make([]int, 0) // want "append-without-prealloc"
	for i := range n {
		ids = append(ids, i)
	}
	return ids
}
