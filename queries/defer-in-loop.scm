; defer-in-loop: every `defer` of a call.
; A query cannot say "the nearest loop above, without crossing a function literal", so the Rust side
; (server/src/rules/defer_in_loop.rs) walks up from each `defer`: it keeps those whose nearest
; enclosing `for` belongs to the same function (a function literal in the loop body gives the
; deferred call its own, per-iteration lifetime) and that can run more than once per run of the
; loop (no unconditional `return`, `break` out of the loop or `panic` after them).

; ---- defer f.Close(), defer mu.Unlock(), defer func() { ... }() ----
(defer_statement
  (call_expression) @defer.call) @defer
