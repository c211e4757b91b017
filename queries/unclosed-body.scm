; unclosed-body: calls that may return an *http.Response, with the response assigned to a name.
; The Rust side (server/src/rules/unclosed_body.rs) checks what a query cannot: that the callee
; really is net/http (or a client of it), that the response does not escape the function, and that
; its Body is closed on every path.

; ---- resp, err := http.Get(url) / resp, err = client.Do(req) ----
(short_var_declaration
  left: (expression_list . (identifier) @resp . (identifier) @err .)
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (_) @recv
        field: (field_identifier) @_method)
      (#any-of? @_method "Get" "Post" "PostForm" "Do")) @call
    .)) @stmt

(assignment_statement
  left: (expression_list . (identifier) @resp . (identifier) @err .)
  operator: "="
  right: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (_) @recv
        field: (field_identifier) @_method)
      (#any-of? @_method "Get" "Post" "PostForm" "Do")) @call
    .)) @stmt

; ---- var resp, err = http.Get(url) ----
(var_spec
  .
  name: (identifier) @resp
  .
  name: (identifier) @err
  .
  value: (expression_list
    .
    (call_expression
      function: (selector_expression
        operand: (_) @recv
        field: (field_identifier) @_method)
      (#any-of? @_method "Get" "Post" "PostForm" "Do")) @call
    .)) @stmt
