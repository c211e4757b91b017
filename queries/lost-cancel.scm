; lost-cancel: the cancel function of context.WithCancel/WithTimeout/WithDeadline (and their
; ...Cause variants) bound to a name or discarded with `_`. The Rust side
; (server/src/rules/lost_cancel.rs) checks that `context` is the standard library's, that the cancel
; function does not change hands, and that it is called on every path.

; ---- ctx, cancel := context.WithTimeout(parent, d) ----
(short_var_declaration
  left: (expression_list . (_) . (identifier) @cancel .)
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (identifier) @_pkg
        field: (field_identifier) @_fn)
      (#any-of? @_fn "WithCancel" "WithTimeout" "WithDeadline" "WithCancelCause" "WithTimeoutCause" "WithDeadlineCause")) @call
    .)) @stmt

; ---- ctx, cancel = context.WithCancel(parent) ----
(assignment_statement
  left: (expression_list . (_) . (identifier) @cancel .)
  operator: "="
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (identifier) @_pkg
        field: (field_identifier) @_fn)
      (#any-of? @_fn "WithCancel" "WithTimeout" "WithDeadline" "WithCancelCause" "WithTimeoutCause" "WithDeadlineCause")) @call
    .)) @stmt

; ---- var ctx, cancel = context.WithCancel(parent) ----
(var_spec
  .
  name: (identifier)
  .
  name: (identifier) @cancel
  .
  value: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (identifier) @_pkg
        field: (field_identifier) @_fn)
      (#any-of? @_fn "WithCancel" "WithTimeout" "WithDeadline" "WithCancelCause" "WithTimeoutCause" "WithDeadlineCause")) @call
    .)) @stmt
