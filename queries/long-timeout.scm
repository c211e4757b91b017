; long-timeout: timeouts whose duration can be read from the code.
; The Rust side (server/src/rules/long_timeout.rs) checks what a query cannot: that the packages
; are really `context`, `time` and `net/http` (aliases resolved), that the code runs on a request
; path, what the duration evaluates to (literals, `time` units, constants of the file), and whether
; it exceeds the configured limit.

; ---- context.WithTimeout(parent, d), context.WithTimeoutCause(parent, d, cause) ----
(call_expression
  function: (selector_expression
    operand: (identifier) @timeout.pkg
    field: (field_identifier) @_fn)
  arguments: (argument_list . (_) @timeout.parent . (_) @timeout.duration)
  (#any-of? @_fn "WithTimeout" "WithTimeoutCause")) @timeout.call

; ---- context.WithDeadline(parent, time.Now().Add(d)), and WithDeadlineCause ----
(call_expression
  function: (selector_expression
    operand: (identifier) @deadline.pkg
    field: (field_identifier) @_fn)
  arguments: (argument_list
    . (_) @deadline.parent
    . (call_expression
        function: (selector_expression
          operand: (call_expression
            function: (selector_expression
              operand: (identifier) @deadline.time
              field: (field_identifier) @_now))
          field: (field_identifier) @_add)
        arguments: (argument_list . (_) @deadline.duration .)))
  (#any-of? @_fn "WithDeadline" "WithDeadlineCause")
  (#eq? @_now "Now")
  (#eq? @_add "Add")) @deadline.call

; ---- http.Client{Timeout: d}, with or without & ----
(composite_literal
  type: (qualified_type
    package: (package_identifier) @client.pkg
    name: (type_identifier) @_type)
  body: (literal_value
    (keyed_element
      key: (literal_element (identifier) @_key)
      value: (literal_element (_) @client.duration)))
  (#eq? @_type "Client")
  (#eq? @_key "Timeout")) @client.literal

; ---- time.After(d) ----
(call_expression
  function: (selector_expression
    operand: (identifier) @after.pkg
    field: (field_identifier) @_fn)
  arguments: (argument_list . (_) @after.duration .)
  (#eq? @_fn "After")) @after.call
