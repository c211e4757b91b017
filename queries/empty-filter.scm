; empty-filter: calls that pass an empty map as an argument.
; The Rust side (server/src/rules/empty_filter.rs) resolves the callee (the workspace index, the
; file's own declarations, or `filterFunctions`) and decides whether the parameter receiving the
; argument is a filter; for a variable it checks that the map is never filled.

; ---- make(map[K]V) and make(map[K]V, n) ----
(call_expression
  arguments: (argument_list
    (call_expression
      function: (identifier) @_make
      arguments: (argument_list . (map_type))) @arg.make)
  (#eq? @_make "make")) @call

; ---- map[K]V{} ----
(call_expression
  arguments: (argument_list
    (composite_literal
      type: (map_type)
      body: (literal_value) @_body) @arg.literal)) @call

; ---- nil (counts only where the parameter is declared as a map) ----
(call_expression
  arguments: (argument_list
    (nil) @arg.nil)) @call

; ---- a variable, which counts when it holds an empty map it is never filled with ----
(call_expression
  arguments: (argument_list
    (identifier) @arg.var)) @call
