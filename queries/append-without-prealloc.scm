; append-without-prealloc: a slice grown by one append per iteration of a loop.
; The Rust side (server/src/rules/append_without_prealloc.rs) checks what a query cannot: that the
; slice was declared empty just before the loop, that the loop's length is known (a range over a
; slice, array, map, string or integer, or a counted `for`), and that nothing in the body can skip
; the append.

; ---- s = append(s, x) as a statement of its own, directly in a for loop's body ----
(for_statement
  body: (block
    (statement_list
      (assignment_statement
        left: (expression_list
          .
          (identifier) @slice
          .)
        right: (expression_list
          .
          (call_expression
            function: (identifier) @_append
            arguments: (argument_list
              .
              (identifier) @_first
              .
              (_) @elem
              .))
          .)) @append))
  (#eq? @_append "append")
  (#eq? @slice @_first)) @loop
