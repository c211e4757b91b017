; unclosed-rows: calls that may return database rows (*sql.Rows, *sqlx.Rows, pgx.Rows), with the
; rows assigned to a name. The Rust side (server/src/rules/unclosed_rows.rs) checks what a query
; cannot: that the receiver is a database handle (or the result is iterated like rows), that the
; rows do not escape the function, that they are closed on every path, and that `rows.Err()` is
; checked after a `rows.Next()` loop.

; ---- rows, err := db.QueryContext(ctx, q, args...) / rows, err = tx.Query(q) ----
(short_var_declaration
  left: (expression_list . (identifier) @rows . (identifier) @err .)
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (_) @recv
        field: (field_identifier) @_method)
      (#any-of? @_method "Query" "QueryContext" "Queryx" "QueryxContext")) @call
    .)) @stmt

(assignment_statement
  left: (expression_list . (identifier) @rows . (identifier) @err .)
  operator: "="
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (_) @recv
        field: (field_identifier) @_method)
      (#any-of? @_method "Query" "QueryContext" "Queryx" "QueryxContext")) @call
    .)) @stmt

; ---- var rows, err = db.Query(q) ----
(var_spec
  .
  name: (identifier) @rows
  .
  name: (identifier) @err
  .
  value: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (_) @recv
        field: (field_identifier) @_method)
      (#any-of? @_method "Query" "QueryContext" "Queryx" "QueryxContext")) @call
    .)) @stmt
