; goroutine-leak-send: unbuffered channels made in a function, `ch := make(chan T)`.
; The Rust side (server/src/rules/goroutine_leak_send.rs) checks what a query cannot: that the
; channel is only sent on by goroutines started there (`go func() { ch <- v }()`), received once in
; the same function, and that the receiver can leave first (a `select` with `ctx.Done()`,
; `time.After` or `default`, or a `return` between the `go` and the receive).

; ---- ch := make(chan T), ch := make(chan T, 0) ----
(short_var_declaration
  left: (expression_list . (identifier) @ch .)
  right: (expression_list
    .
    (call_expression
      function: (identifier) @_make
      arguments: (argument_list . (channel_type) @type)) @make
    .)
  (#eq? @_make "make")) @decl

; ---- var ch = make(chan T) ----
(var_spec
  name: (identifier) @ch .
  value: (expression_list
    .
    (call_expression
      function: (identifier) @_make
      arguments: (argument_list . (channel_type) @type)) @make
    .)
  (#eq? @_make "make")) @decl
