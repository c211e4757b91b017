; costly-log-field: log fields and log-bound formatting that encode a value through reflection.
; The Rust side (server/src/rules/costly_log_field.rs) resolves the packages through the imports,
; works out what the value is from its declaration, and keeps to request handlers and loops.

; ---- zap.Any / zap.Reflect, slog.Any, logrus' WithField: a key and a value ----
(call_expression
  function: (selector_expression
    operand: (_) @field.receiver
    field: (field_identifier) @field.name)
  arguments: (argument_list
    .
    (_) @field.key
    .
    (_) @field.value
    .)
  (#any-of? @field.name "Any" "Reflect" "WithField")) @field.call

; ---- fmt.Sprintf and friends (checked to sit inside a log call), printf-style log calls ----
(call_expression
  function: (selector_expression
    operand: (_) @print.receiver
    field: (field_identifier) @print.name)
  (#match? @print.name "^(Sprintf|Sprint|Sprintln|Printf|Debugf|Infof|Warnf|Warningf|Errorf|Tracef|Msgf)$")) @print.call
