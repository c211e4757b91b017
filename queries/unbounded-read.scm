; unbounded-read: reads that pull a whole stream into memory.
; The Rust side (server/src/rules/unbounded_read.rs) checks what a query cannot: that the package
; is really `io` or `io/ioutil` (aliases resolved), that the stream is an HTTP request or response
; body, that it was not bounded earlier in the function, and for copies that the destination is in
; memory.

; ---- io.ReadAll(x), ioutil.ReadAll(x) ----
(call_expression
  function: (selector_expression
    operand: (identifier) @read.pkg
    field: (field_identifier) @_fn)
  arguments: (argument_list . (_) @read.arg .)
  (#eq? @_fn "ReadAll")) @read.call

; ---- io.Copy(dst, src), io.CopyBuffer(dst, src, buf) ----
(call_expression
  function: (selector_expression
    operand: (identifier) @copy.pkg
    field: (field_identifier) @_fn)
  arguments: (argument_list . (_) @copy.dst . (_) @copy.src)
  (#any-of? @_fn "Copy" "CopyBuffer")) @copy.call
