use std::time::Duration;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{call_args, enclosing_function, is_function, outermost_function, unparen, visit_all};
use crate::analysis::handler::{is_entry_or_test, scope_of, Carrier};
use crate::analysis::{Finding, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "long-timeout",
    summary: "A timeout on a request path is longer than the configured limit (10 s by default).",
    default_severity: Severity::Warning,
    fixable: false,
    query: include_str!("../../../queries/long-timeout.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds timeouts on a request path whose duration is longer than the `longTimeout` setting
(`long-timeout = "10s"` in `gohazard.toml`; 10 s by default):

- `context.WithTimeout(parent, d)` and `context.WithTimeoutCause`;
- `context.WithDeadline(parent, time.Now().Add(d))` and `context.WithDeadlineCause`;
- `http.Client{Timeout: d}` (or `&http.Client{...}`) built inside a handler, that is per request;
- `time.After(d)` in a handler, outside loops (in a loop it is an interval: a stream's heartbeat,
  a poll).

The duration is evaluated from the code: integer and float literals (`15e9` is 15 s in
nanoseconds), the `time` units (`time.Millisecond` to `time.Hour`), `+ - * /` and parentheses with
Go's constant rules (`3/2*time.Second` is 1 s), `time.Duration(15) * time.Second`, and constants
declared in the same file, at the top level or in the enclosing function
(`const upstreamTimeout = 15 * time.Second`). The finding sits on the duration expression; for a
constant it points at the declaration too. A duration that cannot be evaluated (a variable, a
field, a parameter, a constant of another file or package, `iota`) is not reported, nor is one at
or below the limit.

"On a request path" depends on how sure the rule can be that the timeout serves a request:

- In a handler or middleware (a `*gin.Context`, `echo.Context`, `*fiber.Ctx`, or
  `http.ResponseWriter` with `*http.Request` parameter), including closures and goroutines started
  there, and in functions taking one of the `contextTypes` of the settings: every form above is
  reported. A plain net/http, gin or echo request carries no deadline of its own, so the timeout is
  how long the request's work may live.
- In a function that only takes a `context.Context` (a service method, a repository, but also a
  background worker): only a `WithTimeout`/`WithDeadline` whose parent is detached from that
  context (`context.Background()`, `context.TODO()`, `context.WithoutCancel(...)`) is reported, as
  in the incident. A timeout derived from the caller's context is capped by the caller's deadline,
  which the rule cannot see, and such functions are often not on a request path at all.
- Anywhere else, including `main`, `init`, package-level variables, constructors such as
  `New(baseURL string) *Client`, test files and test functions: nothing is reported. A client with a
  long `Timeout` built once at start-up is a deliberate bound for every call, not per-request state.

## Why it hurts under load

A timeout is how long a request's work may live, and under load that length is multiplied: by
Little's law, the goroutines alive at once are the request rate times how long each lives. At 300
requests per second, work that may live 15 s is up to 4,500 live goroutines per goroutine started
per request, each with its stack, buffers and decoded data, against 600 at 2 s. When a dependency
slows down, every request runs into the long timeout at once, memory and GC work grow, processing
slows, and even more work is in flight. When the timeout is detached from the request
(`context.Background()`), the work also keeps running after the caller has given up, for nothing.
In the incident behind gohazard, `context.WithTimeout(context.Background(), 15*time.Second)` in a
method called from handlers, with 4 goroutines per request and every handler running twice, was
the window in which goroutines piled up until the OOM killer came.

## Example

```go
func (s *Service) GetUserInfo(ctx context.Context, userID string) (*Info, error) {
	// Detached and long: runs up to 15 s after the caller has given up.
	tctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return s.toolbox.GetInfo(tctx, userID)
}
```

## Fix

Derive the budget from the request, and keep it short: the request's own deadline caps it, and the
timeout only bounds what one call may take of it.

```go
func (s *Service) GetUserInfo(ctx context.Context, userID string) (*Info, error) {
	tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.toolbox.GetInfo(tctx, userID)
}
```

Build `http.Client`s once, at start-up, and bound each call with the request's context
(`http.NewRequestWithContext(ctx, ...)`) rather than the client's `Timeout`. In a handler, wait on
`<-ctx.Done()` next to a short `time.After`. There is no quick fix: the right budget depends on the
caller's deadline and the dependency's latency, and shortening a literal can break a call that is
legitimately slow. If the long timeout is intended, raise `longTimeout` or suppress the line with a
reason.

## What it cannot see

- Durations held in variables, struct fields or parameters, read from configuration, or declared as
  constants in another file or package; `var` declarations are never followed, since they can change.
- Request paths that cross function boundaries: a function without a request parameter called from
  a handler (including one started with `go s.work()`), or a timeout set in a constructor but used
  per request.
- A timeout derived from a `context.Context` parameter in a function that is not a handler: the
  caller's deadline, which caps it, is not visible.
- A detached parent held in a variable (`bg := context.Background()`), and contexts stored in
  structs.
- Other waits and timeouts: `time.Sleep`, `time.NewTimer`, `time.AfterFunc`, `http.Transport`
  timeouts (`ResponseHeaderTimeout`, `IdleConnTimeout`), `net.Dialer` and server timeouts, and
  `WithDeadline` with a deadline other than `time.Now().Add(d)`.
- Packages imported through a dot import, and a local variable shadowing the `time` package.
"#;

/// What kind of timeout a candidate is, for the message and for how sure the rule must be that it
/// runs on a request path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `context.WithTimeout` / `WithDeadline`; `detached` when the parent is not the request's.
    Context { detached: bool },
    /// `http.Client{Timeout: d}`.
    Client,
    /// `time.After(d)`.
    After,
}

/// How close the code is to a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// A handler, middleware, or a function taking a configured request context type, or a closure
    /// inside one.
    Handler,
    /// Only a `context.Context` parameter is in reach.
    Context,
}

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    // Tests wait on their own servers and fakes; long timeouts there are deliberate.
    if src.file.is_test {
        return;
    }
    let limit = config.long_timeout;
    for m in matches(src, RULE.id) {
        let candidate = if let (Some(pkg), Some(parent), Some(d)) =
            (m.get("timeout.pkg"), m.get("timeout.parent"), m.get("timeout.duration"))
        {
            src.is_package(src.text_of(pkg), "context").then(|| (Kind::Context { detached: detached(src, parent) }, d))
        } else if let (Some(pkg), Some(parent), Some(time), Some(d)) =
            (m.get("deadline.pkg"), m.get("deadline.parent"), m.get("deadline.time"), m.get("deadline.duration"))
        {
            (src.is_package(src.text_of(pkg), "context") && src.is_package(src.text_of(time), "time"))
                .then(|| (Kind::Context { detached: detached(src, parent) }, d))
        } else if let (Some(pkg), Some(d)) = (m.get("client.pkg"), m.get("client.duration")) {
            src.is_package(src.text_of(pkg), "net/http").then_some((Kind::Client, d))
        } else if let (Some(pkg), Some(d)) = (m.get("after.pkg"), m.get("after.duration")) {
            src.is_package(src.text_of(pkg), "time").then_some((Kind::After, d))
        } else {
            None
        };
        let Some((kind, duration)) = candidate else { continue };
        // In a loop, `time.After` is an interval (a stream's heartbeat, a poll), not a timeout.
        if kind == Kind::After && in_loop(duration) {
            continue;
        }
        let Some(reach) = reach(src, duration, &config.context_types) else { continue };
        // With only a `context.Context` in reach, only a detached timeout is surely too long: a
        // derived one is capped by the caller's deadline, and the function may be a worker.
        if reach == Reach::Context && kind != (Kind::Context { detached: true }) {
            continue;
        }
        let Some(value) = eval(src, duration, duration, 0) else { continue };
        let Some(ns) = value.nanos() else { continue };
        if ns <= limit.as_nanos() as f64 {
            continue;
        }
        out.push(finding(src, kind, duration, ns, limit));
    }
}

/// Whether `node` sits in a `for` loop of its own function.
fn in_loop(node: Node<'_>) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind() == "for_statement" {
            return true;
        }
        if is_function(n) {
            return false;
        }
        cur = n.parent();
    }
    false
}

/// Whether a context parent is cut off from any caller: `context.Background()`, `context.TODO()`
/// or `context.WithoutCancel(...)`.
fn detached(src: &Source<'_>, parent: Node<'_>) -> bool {
    let parent = unparen(parent);
    if parent.kind() != "call_expression" {
        return false;
    }
    let Some(func) = parent.child_by_field_name("function") else { return false };
    if func.kind() != "selector_expression" {
        return false;
    }
    let (Some(pkg), Some(name)) = (func.child_by_field_name("operand"), func.child_by_field_name("field")) else {
        return false;
    };
    pkg.kind() == "identifier"
        && matches!(src.text_of(name), "Background" | "TODO" | "WithoutCancel")
        && src.is_package(src.text_of(pkg), "context")
}

/// How close `at` is to a request, from the parameters of its enclosing functions (closures and
/// goroutines see their enclosing handler's request). `None` off request paths and in tests.
fn reach(src: &Source<'_>, at: Node<'_>, custom: &[String]) -> Option<Reach> {
    let outer = outermost_function(at)?;
    let outer_name = outer.child_by_field_name("name").map(|n| src.text_of(n)).unwrap_or("");
    // `main` and `init` take no request, but handlers written inline in them still serve requests;
    // test functions are skipped whole, handlers of test servers included.
    if is_entry_or_test(src, outer) && !matches!(outer_name, "main" | "init") {
        return None;
    }
    let mut found = None;
    let mut cur = enclosing_function(at);
    while let Some(func) = cur {
        if let Some(scope) = scope_of(src, func, custom) {
            if scope.carrier.is_handler() || scope.carrier == Carrier::Custom {
                return Some(Reach::Handler);
            }
            found = Some(Reach::Context);
        }
        cur = enclosing_function(func);
    }
    found
}

/// Go's constant kinds, as far as division needs them: untyped integers and typed durations
/// divide with truncation, untyped floats exactly.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    Int(f64),
    Float(f64),
    /// A `time.Duration` in nanoseconds.
    Typed(f64),
}

impl Num {
    fn value(self) -> f64 {
        match self {
            Num::Int(v) | Num::Float(v) | Num::Typed(v) => v,
        }
    }

    /// The value as a duration in nanoseconds, if it is a finite number.
    fn nanos(self) -> Option<f64> {
        let v = self.value();
        v.is_finite().then_some(v)
    }

    fn with(self, v: f64) -> Num {
        match self {
            Num::Int(_) => Num::Int(v),
            Num::Float(_) => Num::Float(v),
            Num::Typed(_) => Num::Typed(v),
        }
    }
}

/// The kind of `a op b`: typed wins over untyped, float over integer.
fn combine(a: Num, b: Num, v: f64) -> Num {
    match (a, b) {
        (Num::Typed(_), _) | (_, Num::Typed(_)) => Num::Typed(v),
        (Num::Float(_), _) | (_, Num::Float(_)) => Num::Float(v),
        _ => Num::Int(v),
    }
}

/// How deep constants may refer to constants before the evaluation gives up (also stops cycles).
const MAX_DEPTH: usize = 16;

/// Evaluates a duration expression to nanoseconds, or `None` when any part of it is unknown. `at`
/// is the expression of the judged code that the evaluation started from (see [`resolve_const`]).
fn eval(src: &Source<'_>, node: Node<'_>, at: Node<'_>, depth: usize) -> Option<Num> {
    if depth > MAX_DEPTH {
        return None;
    }
    let node = unparen(node);
    match node.kind() {
        "int_literal" => parse_int(src.text_of(node)).map(Num::Int),
        "float_literal" => parse_float(src.text_of(node)).map(Num::Float),
        "selector_expression" => {
            let (pkg, field) = (node.child_by_field_name("operand")?, node.child_by_field_name("field")?);
            if pkg.kind() != "identifier" || !src.is_package(src.text_of(pkg), "time") {
                return None;
            }
            let unit = match src.text_of(field) {
                "Nanosecond" => 1.0,
                "Microsecond" => 1e3,
                "Millisecond" => 1e6,
                "Second" => 1e9,
                "Minute" => 60e9,
                "Hour" => 3600e9,
                _ => return None,
            };
            Some(Num::Typed(unit))
        }
        "unary_expression" => {
            let operand = eval(src, node.child_by_field_name("operand")?, at, depth + 1)?;
            match node.child_by_field_name("operator").map(|o| o.kind()) {
                Some("+") => Some(operand),
                Some("-") => Some(operand.with(-operand.value())),
                _ => None,
            }
        }
        "binary_expression" => {
            let a = eval(src, node.child_by_field_name("left")?, at, depth + 1)?;
            let b = eval(src, node.child_by_field_name("right")?, at, depth + 1)?;
            let (x, y) = (a.value(), b.value());
            let op = node.child_by_field_name("operator")?.kind();
            let v = match op {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "/" if y == 0.0 => return None,
                "/" => match combine(a, b, 0.0) {
                    Num::Float(_) => x / y,
                    _ => (x / y).trunc(),
                },
                _ => return None,
            };
            Some(combine(a, b, v))
        }
        // `time.Duration(15)` parses as a call; `(time.Duration)(15)` as a conversion.
        "call_expression" => {
            let func = node.child_by_field_name("function")?;
            let args = call_args(node);
            if args.len() != 1 || !is_duration_type(src, unparen(func)) {
                return None;
            }
            eval(src, args[0], at, depth + 1).map(|n| Num::Typed(n.value().trunc()))
        }
        "type_conversion_expression" => {
            let ty = node.child_by_field_name("type")?;
            if !is_duration_type(src, ty) {
                return None;
            }
            eval(src, node.child_by_field_name("operand")?, at, depth + 1).map(|n| Num::Typed(n.value().trunc()))
        }
        "identifier" => {
            let (spec, value) = resolve_const(src, node, at)?;
            let n = eval(src, value, at, depth + 1)?;
            // `const d time.Duration = 15e9` is typed even when its value is an untyped literal.
            Some(if spec.child_by_field_name("type").is_some() { Num::Typed(n.value()) } else { n })
        }
        _ => None,
    }
}

/// Whether `node` spells `time.Duration` (as an expression or as a type).
fn is_duration_type(src: &Source<'_>, node: Node<'_>) -> bool {
    let (pkg, name) = match node.kind() {
        "selector_expression" => (node.child_by_field_name("operand"), node.child_by_field_name("field")),
        "qualified_type" => (node.child_by_field_name("package"), node.child_by_field_name("name")),
        _ => return false,
    };
    let (Some(pkg), Some(name)) = (pkg, name) else { return false };
    src.text_of(name) == "Duration" && src.is_package(src.text_of(pkg), "time")
}

/// Parses a Go integer literal: decimal, `0x`, `0o`, `0b`, legacy octal, with `_` separators.
fn parse_int(text: &str) -> Option<f64> {
    let t = text.replace('_', "");
    let lower = t.to_ascii_lowercase();
    let (digits, radix) = if let Some(h) = lower.strip_prefix("0x") {
        (h.to_string(), 16)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (o.to_string(), 8)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (b.to_string(), 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (lower[1..].to_string(), 8)
    } else {
        (lower, 10)
    };
    u128::from_str_radix(&digits, radix).ok().map(|v| v as f64)
}

/// Parses a decimal Go float literal (`1.5`, `15e9`, `1_000.5`); hexadecimal floats are left out.
fn parse_float(text: &str) -> Option<f64> {
    let t = text.replace('_', "");
    if t.starts_with("0x") || t.starts_with("0X") {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The constant an identifier refers to: its `const_spec` and value expression. Only constants of
/// this file are followed: one declared in an enclosing function before the use, else one declared
/// at the top level. Any other declaration of the name in the enclosing function (a parameter, a
/// variable, a range or receive variable) may shadow it, so the identifier is then left unknown.
///
/// `at` is the expression of the judged code whose evaluation reached `ident`: a constant's value
/// may name further constants (`const d = base; const base = 30 * time.Second`), which the code
/// that uses the first one need not mention, so each read of the top-level constants is noted for
/// the incremental cache at `at`.
fn resolve_const<'t>(src: &Source<'_>, ident: Node<'t>, at: Node<'_>) -> Option<(Node<'t>, Node<'t>)> {
    let name = src.text_of(ident);
    if name == "iota" || name == "_" {
        return None;
    }
    let mut local = Vec::new();
    if let Some(outer) = outermost_function(ident) {
        let mut shadowed = false;
        visit_all(outer, |n| {
            if n.kind() != "identifier" || src.text_of(n) != name || n.id() == ident.id() {
                return;
            }
            match declaration_of(n) {
                Some(decl) if decl.kind() == "const_spec" => local.push(decl),
                Some(_) => shadowed = true,
                None => {}
            }
        });
        if shadowed {
            return None;
        }
    }
    let spec = if local.is_empty() {
        src.reads_top_level_for(name, at);
        let mut top = Vec::new();
        // The root is reached from the identifier so the nodes keep its lifetime.
        let mut root = ident;
        while let Some(p) = root.parent() {
            root = p;
        }
        let mut cursor = root.walk();
        for decl in root.named_children(&mut cursor).filter(|n| n.kind() == "const_declaration") {
            let mut c2 = decl.walk();
            for spec in decl.named_children(&mut c2).filter(|n| n.kind() == "const_spec") {
                let mut c3 = spec.walk();
                if spec.children_by_field_name("name", &mut c3).any(|n| src.text_of(n) == name) {
                    top.push(spec);
                }
            }
        }
        match top.as_slice() {
            [one] => *one,
            _ => return None,
        }
    } else {
        // A local constant counts when it is declared before the use, in a block that holds the use.
        let visible: Vec<_> = local
            .into_iter()
            .filter(|spec| {
                spec.end_byte() <= ident.start_byte()
                    && spec
                        .parent()
                        .and_then(|decl| decl.parent())
                        .is_some_and(|block| block.byte_range().contains(&ident.start_byte()))
            })
            .collect();
        match visible.as_slice() {
            [one] => *one,
            _ => return None,
        }
    };
    Some((spec, const_value(src, spec, name)?))
}

/// The value expression of `name` in a const spec (`const a, b = x, y`); none for a spec that
/// repeats the previous one implicitly.
fn const_value<'t>(src: &Source<'_>, spec: Node<'t>, name: &str) -> Option<Node<'t>> {
    let mut cursor = spec.walk();
    // The grammar puts the commas between names in the `name` field too.
    let idx = spec
        .children_by_field_name("name", &mut cursor)
        .filter(|n| n.kind() == "identifier")
        .position(|n| src.text_of(n) == name)?;
    let values = spec.child_by_field_name("value")?;
    let mut c2 = values.walk();
    let list: Vec<_> = values.named_children(&mut c2).filter(|n| n.kind() != "comment").collect();
    list.get(idx).copied()
}

/// If the identifier `n` is declared where it stands (a parameter, variable, constant, range or
/// receive variable, type switch alias), the declaring node.
fn declaration_of(n: Node<'_>) -> Option<Node<'_>> {
    let parent = n.parent()?;
    match parent.kind() {
        "const_spec" | "var_spec" | "parameter_declaration" | "variadic_parameter_declaration" => parent
            .child_by_field_name("value")
            .is_none_or(|v| !v.byte_range().contains(&n.start_byte()))
            .then_some(parent),
        "type_switch_statement" => {
            (parent.child_by_field_name("alias").is_some_and(|a| a.byte_range().contains(&n.start_byte())))
                .then_some(parent)
        }
        "expression_list" => {
            let stmt = parent.parent()?;
            let declares = matches!(stmt.kind(), "short_var_declaration" | "range_clause" | "receive_statement")
                && stmt.child_by_field_name("left") == Some(parent);
            declares.then_some(stmt)
        }
        _ => None,
    }
}

/// The value of a duration expression, for other analyses (the endpoint report).
pub fn duration_of(src: &Source<'_>, node: Node<'_>) -> Option<Duration> {
    let ns = eval(src, node, node, 0)?.nanos()?;
    (ns >= 0.0).then(|| Duration::from_nanos(ns as u64))
}

/// A duration as Go users write it: `15s`, `2m30s`, `500ms`.
pub fn human_duration(d: Duration) -> String {
    human(d.as_nanos() as f64)
}

/// Formats nanoseconds the way Go users write durations: `15s`, `2m30s`, `1h`, `1.5s`, `500ms`.
fn human(ns: f64) -> String {
    let ns = ns.round();
    if ns >= 1e9 && ns % 1e9 == 0.0 {
        let total = (ns / 1e9) as u64;
        let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
        let mut out = String::new();
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 || out.is_empty() {
            out.push_str(&format!("{s}s"));
        }
        out
    } else if ns >= 1e9 {
        format!("{}s", trim_float(ns / 1e9))
    } else {
        format!("{}ms", trim_float(ns / 1e6))
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn finding(src: &Source<'_>, kind: Kind, duration: Node<'_>, ns: f64, limit: Duration) -> Finding {
    let d = human(ns);
    let limit = human(limit.as_nanos() as f64);
    let what = match kind {
        Kind::Context { .. } => "context timeout",
        Kind::Client => "`http.Client` timeout, on a client built per request,",
        Kind::After => "`time.After` wait",
    };
    let message = if kind == (Kind::Context { detached: true }) {
        format!(
            "{d} {what} detached from the request (limit {limit}): the work lives up to {d} after the caller has \
             given up, so under load live goroutines pile up to requests/s × {d} (Little's law); derive a shorter \
             budget from the request's context instead"
        )
    } else {
        format!(
            "{d} {what} on a request path (limit {limit}): each request's work can live up to {d}, likely after its \
             caller has given up, so under load live goroutines pile up to requests/s × {d} (Little's law); use a \
             shorter budget derived from the request's deadline"
        )
    };
    let mut related = Vec::new();
    if unparen(duration).kind() == "identifier" {
        if let Some((spec, _)) = resolve_const(src, unparen(duration), duration) {
            related.push(Related { range: spec.byte_range(), message: format!("declared here as {d}") });
        }
    }
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message,
        range: duration.byte_range(),
        related,
        fixes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze_file, analyze_text, index::Index, parse, FileInfo};

    fn found(text: &str, config: &Config) -> Vec<String> {
        analyze_text(text, config)
            .into_iter()
            .filter(|f| f.rule == RULE.id)
            .map(|f| text[f.range.clone()].to_string())
            .collect()
    }

    const HANDLER: &str = "package a\nimport (\n\t\"context\"\n\t\"time\"\n\t\"github.com/gin-gonic/gin\"\n)\n\
        func h(c *gin.Context) {\n\tctx, cancel := context.WithTimeout(c.Request.Context(), 15*time.Second)\n\
        \tdefer cancel()\n\t_ = ctx\n}\n";

    #[test]
    fn a_configured_limit_changes_the_result() {
        assert_eq!(found(HANDLER, &Config::default()), ["15*time.Second"]);
        let config = Config { long_timeout: Duration::from_secs(20), ..Config::default() };
        assert!(found(HANDLER, &config).is_empty());
        let config = Config { long_timeout: Duration::from_secs(15), ..Config::default() };
        assert!(found(HANDLER, &config).is_empty(), "a timeout at the limit is not above it");
        let config = Config { long_timeout: Duration::from_secs(5), ..Config::default() };
        assert_eq!(found(HANDLER, &config), ["15*time.Second"]);
        let message = &analyze_text(HANDLER, &config).into_iter().find(|f| f.rule == RULE.id).unwrap().message;
        assert!(
            message.contains("15s") && message.contains("limit 5s") && message.contains("Little's law"),
            "{message}"
        );
    }

    #[test]
    fn configured_context_types_put_the_incident_on_a_request_path() {
        let text = "package a\nimport (\n\t\"context\"\n\t\"time\"\n)\n\
            func (s Service) GetUserInfo(appContext api.Context, userID string) {\n\
            \tctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)\n\tdefer cancel()\n\t_ = ctx\n}\n";
        assert!(found(text, &Config::default()).is_empty());
        let config = Config { context_types: vec!["api.Context".into()], ..Config::default() };
        assert_eq!(found(text, &config), ["15*time.Second"]);
    }

    #[test]
    fn test_files_are_skipped() {
        let tree = parse(HANDLER, None);
        let file = FileInfo { is_test: true, go_version: None };
        let all = analyze_file(HANDLER, &tree, &Config::default(), &file, &Index::default());
        assert!(all.iter().all(|f| f.rule != RULE.id));
    }

    fn eval_text(expr: &str) -> Option<f64> {
        let text = format!(
            "package a\nimport \"time\"\nconst base = 10 * time.Second\nconst (\n\tpair, other = 1, 2\n\tnoValue\n)\nvar d = {expr}\n"
        );
        let tree = parse(&text, None);
        let src = Source::new(&text, &tree);
        let mut value = None;
        visit_all(src.root(), |n| {
            if n.kind() == "var_spec" {
                let v = n.child_by_field_name("value").and_then(|l| l.named_child(0)).unwrap();
                value = Some(eval(&src, v, v, 0).and_then(Num::nanos));
            }
        });
        value.flatten()
    }

    #[test]
    fn durations_are_evaluated_like_go_constants() {
        let s = 1e9;
        assert_eq!(eval_text("15*time.Second"), Some(15.0 * s));
        assert_eq!(eval_text("time.Minute"), Some(60.0 * s));
        assert_eq!(eval_text("2 * time.Minute + 30*time.Second"), Some(150.0 * s));
        assert_eq!(eval_text("time.Duration(15) * time.Second"), Some(15.0 * s));
        assert_eq!(eval_text("15e9"), Some(15.0 * s));
        assert_eq!(eval_text("1_500 * time.Millisecond"), Some(1.5 * s));
        assert_eq!(eval_text("3/2*time.Second"), Some(s), "untyped integer division truncates");
        assert_eq!(eval_text("3.0/2*time.Second"), Some(1.5 * s));
        assert_eq!(eval_text("time.Second*3/2"), Some(1.5 * s));
        assert_eq!(eval_text("(base + 5*time.Second)"), Some(15.0 * s));
        assert_eq!(eval_text("0x10 * time.Second"), Some(16.0 * s));
        assert_eq!(eval_text("other * time.Minute"), Some(120.0 * s));
        assert_eq!(eval_text("noValue * time.Second"), None, "implicit repetition is not followed");
        assert_eq!(eval_text("n * time.Second"), None);
        assert_eq!(eval_text("time.Second / 0"), None);
        assert_eq!(eval_text("cfg.Timeout"), None);
    }

    #[test]
    fn durations_print_as_go_writes_them() {
        assert_eq!(human(15e9), "15s");
        assert_eq!(human(150e9), "2m30s");
        assert_eq!(human(3600e9), "1h");
        assert_eq!(human(12.5e9), "12.5s");
        assert_eq!(human(500e6), "500ms");
    }
}
