; double-next: calls that run the rest of a middleware chain.
; The Rust side (server/src/rules/double_next.rs) checks what a query cannot: that the receiver or
; callee is bound to a parameter of the right type, and that two calls can happen on one path.

; ---- gin / fiber: c.Next(), and net/http, chi: next.ServeHTTP(w, r) ----
(call_expression
  function: (selector_expression
    operand: (_) @chain.receiver
    field: (field_identifier) @_method)
  (#any-of? @_method "Next" "ServeHTTP")) @chain.call

; ---- echo and net/http handler funcs: next(c), next(w, r) ----
; The parameter that holds the next handler; calls of it are found by name in its function.
(parameter_declaration
  name: (identifier) @next.name
  type: (qualified_type
    package: (package_identifier) @_pkg
    name: (type_identifier) @_type)
  (#any-of? @_pkg "echo" "http")
  (#eq? @_type "HandlerFunc")) @next.param
