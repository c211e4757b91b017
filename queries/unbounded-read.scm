; unbounded-read: placeholder
(call_expression) @call
