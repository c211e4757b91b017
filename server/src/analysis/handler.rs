//! Request scope: is this code serving a request, and which context expression belongs to it?
//!
//! Shared by the rules that judge code by whether it runs on a request path (`detached-context`,
//! `long-timeout`, `unbounded-goroutines`, `costly-log-field`, `request-without-context`).

use tree_sitter::Node;

use super::go::{enclosing_function, enclosing_functions, is_type, params, Param};
use super::Source;

/// What kind of parameter carries the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// `c *gin.Context`
    Gin,
    /// `c echo.Context`
    Echo,
    /// `c *fiber.Ctx`
    Fiber,
    /// `w http.ResponseWriter, r *http.Request`
    NetHttp,
    /// `ctx context.Context`
    Context,
    /// A type listed in the `contextTypes` setting (assumed to implement `context.Context`).
    Custom,
}

impl Carrier {
    /// Whether the carrier makes its function a request handler or middleware (a plain
    /// `context.Context` parameter makes a function request-scoped, not a handler).
    pub fn is_handler(self) -> bool {
        matches!(self, Carrier::Gin | Carrier::Echo | Carrier::Fiber | Carrier::NetHttp)
    }
}

/// A request-scoped context in reach.
#[derive(Clone, Debug)]
pub struct Scope<'t> {
    pub carrier: Carrier,
    /// The function whose parameter carries the request.
    pub func: Node<'t>,
    /// The parameter's name node.
    pub param: Node<'t>,
    /// The expression that yields the request's `context.Context`: `ctx`, `r.Context()`,
    /// `c.Request.Context()`, `c.Request().Context()`, `c.UserContext()`.
    pub context_expr: String,
}

const GIN: &str = "github.com/gin-gonic/gin";
const ECHO: [&str; 2] = ["github.com/labstack/echo/v4", "github.com/labstack/echo"];
const FIBER: [&str; 3] = ["github.com/gofiber/fiber/v2", "github.com/gofiber/fiber/v3", "github.com/gofiber/fiber"];

fn carrier_of(src: &Source<'_>, p: &Param<'_>, custom: &[String]) -> Option<Carrier> {
    if is_type(src, p.ty, GIN, "Context", true) {
        return Some(Carrier::Gin);
    }
    if ECHO.iter().any(|path| is_type(src, p.ty, path, "Context", false)) {
        return Some(Carrier::Echo);
    }
    if FIBER.iter().any(|path| is_type(src, p.ty, path, "Ctx", true)) {
        return Some(Carrier::Fiber);
    }
    if is_type(src, p.ty, "context", "Context", false) {
        return Some(Carrier::Context);
    }
    let ty = src.text_of(p.ty).trim_start_matches('*');
    custom.iter().any(|c| c == ty).then_some(Carrier::Custom)
}

/// The request carried by the parameters of `func` itself, if any. A plain `context.Context` wins
/// over a framework parameter because it is already the derived context.
pub fn scope_of<'t>(src: &Source<'_>, func: Node<'t>, custom: &[String]) -> Option<Scope<'t>> {
    let ps = params(func);
    let mut best: Option<Scope<'t>> = None;
    for p in &ps {
        let Some(carrier) = carrier_of(src, p, custom) else { continue };
        let name = src.text_of(p.name);
        if name == "_" {
            continue;
        }
        let context_expr = match carrier {
            Carrier::Gin => format!("{name}.Request.Context()"),
            Carrier::Echo => format!("{name}.Request().Context()"),
            Carrier::Fiber => format!("{name}.UserContext()"),
            Carrier::Context | Carrier::Custom => name.to_string(),
            Carrier::NetHttp => unreachable!("not returned by carrier_of"),
        };
        let scope = Scope { carrier, func, param: p.name, context_expr };
        if carrier == Carrier::Context || best.is_none() {
            best = Some(scope);
        }
    }
    if best.as_ref().is_some_and(|s| s.carrier == Carrier::Context) {
        return best;
    }
    // net/http: a request beside a response writer. A function that only builds an outgoing
    // `*http.Request` has no writer and is not a handler.
    let writer = ps.iter().any(|p| is_type(src, p.ty, "net/http", "ResponseWriter", false));
    let request = ps.iter().find(|p| is_type(src, p.ty, "net/http", "Request", true) && src.text_of(p.name) != "_");
    if let (true, Some(r), None) = (writer, request, &best) {
        return Some(Scope {
            carrier: Carrier::NetHttp,
            func,
            param: r.name,
            context_expr: format!("{}.Context()", src.text_of(r.name)),
        });
    }
    best
}

/// The request-scoped context in reach at `at`: the parameters of the enclosing functions,
/// innermost first, so closures and goroutines started in a handler see the handler's request.
pub fn scope_at<'t>(src: &Source<'_>, at: Node<'t>, custom: &[String]) -> Option<Scope<'t>> {
    let mut cur = enclosing_function(at);
    while let Some(func) = cur {
        if let Some(s) = scope_of(src, func, custom) {
            return Some(s);
        }
        cur = enclosing_function(func);
    }
    None
}

/// Whether `at` runs inside a request handler or middleware (its own function or an enclosing one
/// takes a gin, echo, fiber or net/http request).
pub fn in_handler<'t>(src: &Source<'t>, at: Node<'t>, custom: &[String]) -> Option<Scope<'t>> {
    // A context.Context parameter does not make a handler, but a handler may enclose it. The
    // functions around `at` come from one descent (see `go::ancestors`), not a parent walk each.
    enclosing_functions(src.root(), at)
        .into_iter()
        .find_map(|func| scope_of(src, func, custom).filter(|s| s.carrier.is_handler()))
}

/// Whether `func` is `main`, `init`, or a test, benchmark, fuzz or example function.
pub fn is_entry_or_test(src: &Source<'_>, func: Node<'_>) -> bool {
    if func.kind() != "function_declaration" {
        return false;
    }
    let name = func.child_by_field_name("name").map(|n| src.text_of(n)).unwrap_or("");
    matches!(name, "main" | "init")
        || ["Test", "Benchmark", "Fuzz", "Example"].iter().any(|p| name.starts_with(p))
            && params(func).iter().all(|p| src.text_of(p.ty).contains("testing."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::go::visit_all;
    use crate::analysis::parse;

    fn scope_at_marker(text: &str, custom: &[String]) -> Option<(Carrier, String)> {
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let mut marker = None;
        visit_all(src.root(), |n| {
            if n.kind() == "call_expression" && src.text_of(n) == "marker()" {
                marker = Some(n);
            }
        });
        scope_at(&src, marker.expect("marker() in the text"), custom).map(|s| (s.carrier, s.context_expr))
    }

    #[test]
    fn carriers_and_their_context_expressions() {
        let gin = "package a\nimport \"github.com/gin-gonic/gin\"\nfunc h(c *gin.Context) { go func() { marker() }() }";
        assert_eq!(scope_at_marker(gin, &[]), Some((Carrier::Gin, "c.Request.Context()".into())));
        let echo =
            "package a\nimport \"github.com/labstack/echo/v4\"\nfunc h(e echo.Context) error { marker(); return nil }";
        assert_eq!(scope_at_marker(echo, &[]), Some((Carrier::Echo, "e.Request().Context()".into())));
        let http = "package a\nimport \"net/http\"\nfunc h(w http.ResponseWriter, req *http.Request) { marker() }";
        assert_eq!(scope_at_marker(http, &[]), Some((Carrier::NetHttp, "req.Context()".into())));
        let ctx = "package a\nimport \"context\"\nfunc h(c *gin.Context, ctx context.Context) { marker() }";
        assert_eq!(scope_at_marker(ctx, &[]), Some((Carrier::Context, "ctx".into())));
        let custom = "package a\nfunc h(ac api.Context) { marker() }";
        assert_eq!(scope_at_marker(custom, &["api.Context".into()]), Some((Carrier::Custom, "ac".into())));
        assert_eq!(scope_at_marker(custom, &[]), None);
    }

    #[test]
    fn an_outgoing_request_builder_is_not_a_handler() {
        let text = "package a\nimport \"net/http\"\nfunc build(r *http.Request) { marker() }";
        assert_eq!(scope_at_marker(text, &[]), None);
    }
}
