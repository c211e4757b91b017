; unclosed-body: placeholder
(call_expression) @call
