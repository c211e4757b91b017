; timer-in-loop: timers and tickers that, before Go 1.23, live until they fire (or forever).
; The Rust side (server/src/rules/timer_in_loop.rs) checks what a query cannot: the module's Go
; version, that `time` is the standard library's, that the `select` runs in a loop of the same
; function, and where a `time.Tick` runs (package `main`, tests and endless functions are fine).

; ---- for { select { case <-time.After(d): ... } } ----
(select_statement
  (communication_case
    communication: (receive_statement
      right: (unary_expression
        operand: (call_expression
          function: (selector_expression
            operand: (identifier) @_pkg
            field: (field_identifier) @_fn)
          (#eq? @_fn "After")) @after.call)))) @after.select

; ---- tick := time.Tick(d), for range time.Tick(d), case <-time.Tick(d) ----
(call_expression
  function: (selector_expression
    operand: (identifier) @_pkg
    field: (field_identifier) @_fn)
  (#eq? @_fn "Tick")) @tick.call
