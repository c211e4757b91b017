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

; ---- names declared as maps (a superset of what `never_filled` accepts), so that a variable
; argument costs a look-up in the workspace index only when it can be an empty map ----
(short_var_declaration
  left: (expression_list (identifier) @map.name)
  right: (expression_list
    [(call_expression arguments: (argument_list . (map_type)))
     (composite_literal type: (map_type))
     (parenthesized_expression)]))

(var_spec
  name: (identifier) @map.name
  type: (map_type))

(var_spec
  name: (identifier) @map.name
  value: (expression_list
    [(call_expression arguments: (argument_list . (map_type)))
     (composite_literal type: (map_type))
     (parenthesized_expression)]))
