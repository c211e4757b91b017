; server-without-timeouts: HTTP servers started without read timeouts (gosec G112, G114).
; The Rust side (server/src/rules/server_without_timeouts.rs) checks what a query cannot: that the
; package is really net/http (aliases resolved, locals shadowing it excluded), the argument counts,
; that no read timeout is set in the literal or assigned to the server later, and that the code is
; no test.

; ---- http.ListenAndServe(addr, h), ListenAndServeTLS, Serve, ServeTLS ----
(call_expression
  function: (selector_expression
    operand: (identifier) @listen.pkg
    field: (field_identifier) @listen.fn)
  (#any-of? @listen.fn "ListenAndServe" "ListenAndServeTLS" "Serve" "ServeTLS")) @listen.call

; ---- http.Server{...} and &http.Server{...} ----
(composite_literal
  type: (qualified_type
    package: (package_identifier) @server.pkg
    name: (type_identifier) @_type)
  body: (literal_value) @server.body
  (#eq? @_type "Server")) @server.literal
