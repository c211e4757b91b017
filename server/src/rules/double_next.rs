use std::collections::HashMap;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::flow::{self, Flow};
use crate::analysis::go::{call_args, enclosing_function, is_type, param_binding, params, snippet, unparen, visit_all};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "double-next",
    summary: "A middleware runs the rest of the handler chain twice on one path.",
    default_severity: Severity::Error,
    fixable: true,
    query: include_str!("../../../queries/double-next.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds middleware that calls the rest of its handler chain a second time on the same path:

- gin: `c.Next()` on a `*gin.Context` parameter, whatever it is called (fiber's `*fiber.Ctx` too);
- echo: `next(c)` where `next` is the `echo.HandlerFunc` being wrapped;
- net/http and chi: `next.ServeHTTP(w, r)` (or `next(w, r)` for an `http.HandlerFunc`), including
  middleware written as a struct with a `ServeHTTP` method.

Calls in exclusive branches (`if`/`else`, different `switch` cases, or a first call followed by
`return`) are not doubles.

## Why it hurts under load

Every handler behind the middleware runs twice per request: twice the database queries, twice the
goroutines, twice the allocations. It compiles, it returns the right response, and tests pass, so
it hides until load doubles the work, the GC cannot keep up, latency grows, and more requests are in
flight at once. In the incident behind gohazard, a copy-pasted `ctx.Next()` at the end of a logging
middleware was the first amplifier of an out-of-memory loop.

## Example

```go
func Logging(logger *zap.Logger) gin.HandlerFunc {
	return func(ctx *gin.Context) {
		start := time.Now()
		ctx.Next()
		logger.Info("request", zap.Duration("took", time.Since(start)))
		ctx.Next() // runs every handler again
	}
}
```

## Fix

Remove the extra call (the quick fix deletes its line). If the second run was intended, for
example a retry, make it explicit with a fresh response writer and a comment.

## What it cannot see

- Chains called through a helper function (`callNext(c)`) or stored in a variable.
- A single call inside a loop, which may run several times; only two distinct calls are compared.
- `defer c.Next()` and calls inside closures or goroutines.
- Parameters whose type is spelled through an alias or a dot import.
"#;

/// A call that runs the rest of the chain, with the key that makes two calls "the same chain".
struct ChainCall<'t> {
    node: Node<'t>,
    key: String,
}

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    let mut by_function: HashMap<usize, (Node<'t>, Vec<ChainCall<'t>>)> = HashMap::new();
    let mut add = |call: Node<'t>, key: String| {
        if let Some(func) = enclosing_function(call) {
            let entry = by_function.entry(func.id()).or_insert_with(|| (func, Vec::new()));
            if !entry.1.iter().any(|c| c.node.id() == call.id()) {
                entry.1.push(ChainCall { node: call, key });
            }
        }
    };
    for m in matches(src, RULE.id) {
        if let (Some(call), Some(recv)) = (m.get("chain.call"), m.get("chain.receiver")) {
            if let Some(key) = method_chain_key(src, call, recv) {
                add(call, key);
            }
        }
        if let (Some(param), Some(name)) = (m.get("next.param"), m.get("next.name")) {
            // Calls of the parameter by name anywhere in its function, closures included: echo's
            // `next(c)` sits in the closure the middleware returns.
            let Some(func) = param.parent().and_then(|l| l.parent()) else { continue };
            let name_text = src.text_of(name);
            visit_all(func, |n| {
                if n.kind() != "call_expression" {
                    return;
                }
                let Some(callee) = n.child_by_field_name("function").map(unparen) else { return };
                if callee.kind() == "identifier"
                    && src.text_of(callee) == name_text
                    && param_binding(src, n, name_text).is_some_and(|p| p.name.id() == name.id())
                {
                    add(n, name_text.to_string());
                }
            });
        }
    }
    let mut funcs: Vec<_> = by_function.into_values().filter(|(_, calls)| calls.len() >= 2).collect();
    funcs.sort_by_key(|(f, _)| f.start_byte());
    for (func, calls) in funcs {
        let Some(body) = func.child_by_field_name("body") else { continue };
        let mut walk = Doubles { calls: &calls, found: Vec::new() };
        if !flow::run(src, body, &mut walk, Vec::new()) {
            continue;
        }
        for (first, second) in walk.found {
            out.push(finding(src, &calls[first], &calls[second]));
        }
    }
}

/// The chain key of `recv.Next()` / `recv.ServeHTTP(w, r)`, if the call really runs a chain.
fn method_chain_key(src: &Source<'_>, call: Node<'_>, recv: Node<'_>) -> Option<String> {
    let func = call.child_by_field_name("function")?;
    let method = src.text_of(func.child_by_field_name("field")?);
    let args = call_args(call);
    let recv = unparen(recv);
    match method {
        "Next" if args.is_empty() && recv.kind() == "identifier" => {
            let p = param_binding(src, call, src.text_of(recv))?;
            let ok = is_type(src, p.ty, "github.com/gin-gonic/gin", "Context", true)
                || is_type(src, p.ty, "github.com/gofiber/fiber/v2", "Ctx", true)
                || is_type(src, p.ty, "github.com/gofiber/fiber", "Ctx", true);
            ok.then(|| format!("{}.Next", src.text_of(recv)))
        }
        "ServeHTTP" if args.len() == 2 => {
            // Either the receiver is an `http.Handler` parameter, or the call sits in a function
            // that serves HTTP itself (a handler or a struct middleware's ServeHTTP method).
            let handler_param = recv.kind() == "identifier"
                && param_binding(src, call, src.text_of(recv))
                    .is_some_and(|p| is_type(src, p.ty, "net/http", "Handler", false));
            let in_handler = enclosing_function(call).is_some_and(|f| serves_http(src, f));
            (handler_param || in_handler).then(|| format!("{}.ServeHTTP", src.text_of(recv)))
        }
        _ => None,
    }
}

/// Whether the function takes an `http.ResponseWriter` and an `*http.Request`.
fn serves_http(src: &Source<'_>, func: Node<'_>) -> bool {
    let ps = params(func);
    ps.iter().any(|p| is_type(src, p.ty, "net/http", "ResponseWriter", false))
        && ps.iter().any(|p| is_type(src, p.ty, "net/http", "Request", true))
}

/// Walks the paths of one function and records (first, second) pairs of calls of the same chain.
struct Doubles<'c, 't> {
    calls: &'c [ChainCall<'t>],
    found: Vec<(usize, usize)>,
}

impl<'t> Flow<'t> for Doubles<'_, 't> {
    /// For each chain key seen on this path, the index of its first call.
    type State = Vec<(usize, usize)>;

    fn call(&mut self, call: Node<'t>, state: &mut Self::State) {
        let Some(idx) = self.calls.iter().position(|c| c.node.id() == call.id()) else { return };
        let key = &self.calls[idx].key;
        match state.iter().find(|(k, _)| self.calls[*k].key == *key) {
            Some(&(_, first)) => {
                if !self.found.iter().any(|&(_, s)| s == idx) {
                    self.found.push((first, idx));
                }
            }
            None => state.push((idx, idx)),
        }
    }
}

fn finding(src: &Source<'_>, first: &ChainCall<'_>, second: &ChainCall<'_>) -> Finding {
    let call_text = src.text_of(second.node);
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message: format!(
            "`{call_text}` runs the rest of the handler chain a second time on this path: \
             every handler behind this middleware does its work twice per request"
        ),
        range: second.node.byte_range(),
        related: vec![Related { range: first.node.byte_range(), message: "the chain already ran here".to_string() }],
        fixes: removal(src, second.node).into_iter().collect(),
    }
}

/// Deletes the statement of the extra call, with its whole line when it stands alone there.
fn removal(src: &Source<'_>, call: Node<'_>) -> Option<Fix> {
    let stmt = call.parent()?;
    if stmt.kind() != "expression_statement" || stmt.parent()?.kind() != "statement_list" {
        return None;
    }
    let (start, end) = (stmt.start_byte(), stmt.end_byte());
    let line_start = src.line_start(start);
    let line_end = src.line_end_inclusive(end);
    let before = &src.text[line_start..start];
    let after = src.text[end..line_end].trim();
    let range = if before.trim().is_empty() && (after.is_empty() || after.starts_with("//")) {
        line_start..line_end
    } else {
        // Something else stays on the line: take the blanks before the call with it, so the
        // line does not end in whitespace.
        let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
        start - blanks..end
    };
    Some(Fix {
        id: "remove-call",
        title: format!("Remove the extra `{}`", snippet(src.text_of(call))),
        edits: vec![Edit::delete(range)],
        preferred: true,
    })
}
