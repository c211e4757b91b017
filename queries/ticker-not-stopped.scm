; ticker-not-stopped: tickers and timers from time.NewTicker/time.NewTimer kept in a variable. The
; Rust side (server/src/rules/ticker_not_stopped.rs) checks that `time` is the standard library's,
; that the ticker does not change hands, and that `Stop` is called somewhere in the function.

; ---- t := time.NewTicker(d) / t = time.NewTimer(d) ----
(short_var_declaration
  left: (expression_list . (identifier) @var .)
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (identifier) @_pkg
        field: (field_identifier) @_fn)
      (#any-of? @_fn "NewTicker" "NewTimer")) @call
    .)) @stmt

(assignment_statement
  left: (expression_list . (identifier) @var .)
  operator: "="
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (identifier) @_pkg
        field: (field_identifier) @_fn)
      (#any-of? @_fn "NewTicker" "NewTimer")) @call
    .)) @stmt

; ---- var t = time.NewTicker(d) ----
(var_spec
  .
  name: (identifier) @var
  .
  value: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (identifier) @_pkg
        field: (field_identifier) @_fn)
      (#any-of? @_fn "NewTicker" "NewTimer")) @call
    .)) @stmt
