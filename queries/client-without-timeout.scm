; client-without-timeout: HTTP clients that never give up on a slow server.
; The Rust side (server/src/rules/client_without_timeout.rs) checks what a query cannot: that the
; package is really net/http (aliases resolved, locals shadowing it excluded), the argument counts,
; that neither the client nor a visible transport sets a timeout, that the client is not configured
; later, that no request context is in reach for the calls, and that the code is no test.

; ---- http.Client{...} and &http.Client{...} ----
(composite_literal
  type: (qualified_type
    package: (package_identifier) @client.pkg
    name: (type_identifier) @_type)
  body: (literal_value) @client.body
  (#eq? @_type "Client")) @client.literal

; ---- http.Get(url), http.Head(url), http.Post(url, ct, body), http.PostForm(url, data) ----
(call_expression
  function: (selector_expression
    operand: (identifier) @get.pkg
    field: (field_identifier) @get.fn)
  (#any-of? @get.fn "Get" "Head" "Post" "PostForm")) @get.call

; ---- http.DefaultClient.Get(url) and the other three ----
(call_expression
  function: (selector_expression
    operand: (selector_expression
      operand: (identifier) @get.pkg
      field: (field_identifier) @_default)
    field: (field_identifier) @get.fn)
  (#eq? @_default "DefaultClient")
  (#any-of? @get.fn "Get" "Head" "Post" "PostForm")) @get.call
