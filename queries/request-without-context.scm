; request-without-context: calls that cannot be cancelled, made where a context is in reach.
; The Rust side (server/src/rules/request_without_context.rs) checks what a query cannot: that the
; package is really net/http, net or os/exec (aliases resolved, locals shadowing it excluded), that a
; receiver is an *http.Client or a database handle by its declaration, that a request context is in
; reach and usable at the call, and the argument counts the fixes rely on.

; ---- http.NewRequest, http.Get/Head/Post/PostForm, net.Dial, net.DialTimeout, exec.Command ----
(call_expression
  function: (selector_expression
    operand: (identifier) @pkg.name
    field: (field_identifier) @pkg.fn)
  (#any-of? @pkg.fn "NewRequest" "Get" "Head" "Post" "PostForm" "Dial" "DialTimeout" "Command")) @pkg.call

; ---- client.Get(url) and friends; db.Query(q), tx.Exec(q), stmt.QueryRow(args), sqlx's methods ----
(call_expression
  function: (selector_expression
    operand: (_) @method.recv
    field: (field_identifier) @method.name)
  (#any-of? @method.name
    "Get" "Head" "Post" "PostForm"
    "Query" "Exec" "QueryRow" "Prepare" "Begin" "Ping"
    "Select" "Queryx" "QueryRowx" "NamedExec" "MustExec" "Preparex" "Beginx" "MustBegin")) @method.call
