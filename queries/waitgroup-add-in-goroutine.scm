; waitgroup-add-in-goroutine: goroutines started from a function literal called on the spot,
; `go func() { ... }()`.
; The Rust side (server/src/rules/waitgroup_add_in_goroutine.rs) checks what a query cannot: that
; the first statement of the literal (comments aside) calls `Add` on a `sync.WaitGroup` (by its
; declaration, parameter or struct field type, or by its `Done`/`Wait` calls), and that the
; goroutine does not also wait on it itself. The first statement is picked there rather than
; spelled here: a deeper pattern makes the query cursor slow on deeply nested goroutines.

; ---- go func() { wg.Add(1); defer wg.Done(); ... }() ----
(go_statement
  (call_expression
    function: (func_literal) @lit)) @go
