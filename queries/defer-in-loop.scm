; defer-in-loop: every `defer` statement.
; A query cannot say "the nearest loop above, without crossing a function literal", so the Rust side
; (server/src/rules/defer_in_loop.rs) finds, in one walk, the `defer`s whose nearest enclosing `for`
; belongs to the same function (a function literal in the loop body gives the deferred call its
; own, per-iteration lifetime), and keeps those that can run more than once per run of the loop (no
; unconditional `return`, `break` out of the loop or `panic` after them). The pattern is a single
; node on purpose: a pattern with a child step keeps a cursor state open per nesting level, which
; is quadratic on deeply nested closures.

; ---- defer f.Close(), defer mu.Unlock(), defer func() { ... }() ----
(defer_statement) @defer
