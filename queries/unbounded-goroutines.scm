; unbounded-goroutines: goroutines started once per item or once per request with nothing bounding them.
; The query finds every `go` statement; the Rust side (server/src/rules/unbounded_goroutines.rs)
; decides what a query cannot: whether the statement runs once per element of an input-driven loop
; or on every request of a handler, whether a semaphore, an errgroup limit or a worker pool bounds
; it, and whether the function is `main`, `init` or a test.

; ---- go func(args) { ... }(args) ----
(go_statement
  (call_expression
    function: (func_literal) @go.literal) @go.call) @go

; ---- go f(x), go s.run(ctx) ----
(go_statement
  (call_expression
    function: [(identifier) (selector_expression) (parenthesized_expression) (index_expression)] @_callee) @go.call) @go
