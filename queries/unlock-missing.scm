; unlock-missing: `x.Lock()` / `x.RLock()` called as a statement. The Rust side
; (server/src/rules/unlock_missing.rs) checks that the call takes no arguments, that the function
; unlocks the same receiver somewhere (so the lock is not meant for the caller), and that every
; path out of the function unlocks it.

(expression_statement
  (call_expression
    function: (selector_expression
      operand: (_) @recv
      field: (field_identifier) @method)
    arguments: (argument_list) @_args
    (#any-of? @method "Lock" "RLock")) @call) @stmt
