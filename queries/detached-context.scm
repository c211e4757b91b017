; detached-context: calls that make a fresh root context, `context.Background()` and
; `context.TODO()`.
; The Rust side (server/src/rules/detached_context.rs) checks what a query cannot: that the package
; is the standard library's `context` (aliases resolved through the imports), how the new context
; is used (as a call argument, the parent of `WithTimeout` and friends, or a new variable), and
; whether a request-scoped context is in reach and not shadowed at that point.

; ---- context.Background() / context.TODO() ----
(call_expression
  function: (selector_expression
    operand: (identifier) @root.pkg
    field: (field_identifier) @_fn)
  arguments: (argument_list) @root.args
  (#any-of? @_fn "Background" "TODO")) @root.call
