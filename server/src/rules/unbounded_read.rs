use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::edits::{add_top_level, ensure_imports, merge_inserts, top_level_names};
use crate::analysis::go::{
    assigned_names, call_args, enclosing_function, enclosing_statement, is_pkg_call, is_type, method_call,
    next_statement, outermost_function, param_binding, params, results, snippet, unparen, visit_all, Param,
};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "unbounded-read",
    summary: "An HTTP request or response body is read into memory with no size limit.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/unbounded-read.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds reads that pull a whole HTTP body into memory without a bound:

- `io.ReadAll(body)` and `ioutil.ReadAll(body)`;
- `io.Copy(dst, body)` (and `io.CopyBuffer`) when `dst` is clearly in memory: a `bytes.Buffer` or
  `strings.Builder` of the function (`&buf`, `new(bytes.Buffer)`, `bytes.NewBuffer(nil)`).

`body` must be known to be HTTP:

- `r.Body` where `r` is an `*http.Request` or `*http.Response` parameter or variable;
- `resp.Body` where `resp` was assigned from `http.Get`, `http.Post`, `http.Head`, `http.PostForm`
  or a client's `Do(req)`, `Get(url)`, `Head(url)`, `Post(url, type, body)`, `PostForm(url, data)`;
- gin's `c.Request.Body` (`c` a `*gin.Context`) and echo's `c.Request().Body` (`c` an `echo.Context`).

A read is bounded, and not reported, when its argument is wrapped (`io.LimitReader(r.Body, n)`,
`&io.LimitedReader{...}`, `http.MaxBytesReader(w, r.Body, n)`) or when the same body expression
was assigned earlier in the function, as in `r.Body = http.MaxBytesReader(w, r.Body, n)`. Files that
import `testing` are skipped: tests read small bodies from their own servers.

## Why it hurts under load

`io.ReadAll` keeps growing its buffer until the stream ends, so the memory one request takes is
decided by whoever sends the body: a client posting a few hundred megabytes, or an upstream service
that answers with an error page, a debug dump or an endless stream. One such body is a spike; the
same body on every request, times the requests in flight, is a heap that grows faster than the GC
can return it, long GC pauses, slower requests, even more requests in flight, and finally the
out-of-memory kill. A `Content-Length` check does not help: chunked bodies have none. In the
incident behind gohazard, `io.ReadAll(resp.Body)` of an upstream response was one of the
allocations that turned a slow upstream into an out-of-memory loop.

## Example

```go
func fetch(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body) // as large as the upstream decides
}
```

## Fix

Decide how large a body may be, and read at most that much. The preferred quick fix wraps the body
in `io.LimitReader(resp.Body, maxBodyBytes)`, declaring `const maxBodyBytes = 1 << 20 // 1 MiB` as
the function's first statement unless a `maxBodyBytes` is already in scope (its value comes from
the `maxBodyBytes` setting, 1 MiB by default); a longer body is silently cut at the limit. The
constant goes in the function, not at package level, because a fix sees one file: two files of a
package that each got a package-level constant would not compile. Move it to package level by hand
if you prefer one. The strict quick fix tells a long body from a short one and fails instead:

```go
limited := &io.LimitedReader{R: resp.Body, N: maxBodyBytes + 1}
data, err := io.ReadAll(limited)
if err != nil {
	return nil, err
}
if limited.N == 0 {
	return nil, fmt.Errorf("response body exceeds %d bytes", maxBodyBytes)
}
```

It is offered when the read is a statement of its own and the function can leave: it returns an
`error` last and zero values for its other results, or it is a net/http handler
(`http.Error` with 413 for a request body, 502 for an upstream response), a gin handler
(`c.AbortWithStatus`) or an echo handler (`echo.NewHTTPError`). For request bodies in a server,
`r.Body = http.MaxBytesReader(w, r.Body, n)` at the top of the handler or in a middleware is the
idiomatic bound: it also stops `json.NewDecoder(r.Body)` and form parsing, and makes the server
answer 413.

## What it cannot see

- A limit applied elsewhere: in a middleware, in a helper that sets `r.Body`, or by a server or
  proxy in front. Suppress the finding with a reason, or keep the local bound as defence in depth.
- Bodies reached another way: a variable holding the body (`body := r.Body`), a struct field
  (`s.resp.Body`), a response returned by a helper function, or a client whose method names or
  argument counts differ from `*http.Client`'s.
- Other unbounded readers: `bytes.Buffer.ReadFrom`, `json.NewDecoder(r.Body).Decode` on a huge
  document, `bufio.Scanner` with a large buffer, `io.Copy` into a writer that is a buffer of
  another function.
- Bodies that are not HTTP but just as untrusted, such as an email, a queue message or an
  `os.File`: they are left alone on purpose.
- A `maxBodyBytes` declared in another file of the package: the fixes cannot see it and declare
  their own in the function, which shadows it (this compiles; delete the function's copy to use
  the package's value). A one-line function, or one that declares `maxBodyBytes` itself below the
  read, gets the constant after the imports instead.
"#;

/// Whether a body belongs to a request the program received or a response it fetched; the strict
/// fix answers differently (413 for the client's fault, 502 for the upstream's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Request,
    Response,
}

/// An HTTP object (request or response) an expression was recognised as, with the call that
/// produced it when there is one, shown as a related location.
#[derive(Clone, Copy)]
struct Http<'t> {
    kind: Kind,
    origin: Option<Node<'t>>,
}

/// How deep `http_object` follows variables assigned from variables (`req := c.Request`).
const MAX_HOPS: usize = 4;

/// The name of the size constant the fixes declare (or reuse).
const LIMIT_CONST: &str = "maxBodyBytes";

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    // Tests read small bodies from servers they start themselves; findings there are noise.
    if src.import_name("testing").is_some() {
        return;
    }
    let packages = imported_names(src);
    let top = std::cell::OnceCell::new();
    let top = || top.get_or_init(|| Top::new(src, config));
    for m in matches(src, RULE.id) {
        if let (Some(call), Some(pkg), Some(arg)) = (m.get("read.call"), m.get("read.pkg"), m.get("read.arg")) {
            let pkg = src.text_of(pkg);
            if !src.is_package(pkg, "io") && !src.is_package(pkg, "io/ioutil") {
                continue;
            }
            if let Some((body, http)) = unbounded_body(src, &packages, call, arg) {
                out.push(finding(src, top(), call, body, http, "reads"));
            }
        }
        if let (Some(call), Some(pkg), Some(dst), Some(from)) =
            (m.get("copy.call"), m.get("copy.pkg"), m.get("copy.dst"), m.get("copy.src"))
        {
            if !src.is_package(src.text_of(pkg), "io") || !in_memory(src, call, dst) {
                continue;
            }
            if let Some((body, http)) = unbounded_body(src, &packages, call, from) {
                out.push(finding(src, top(), call, body, http, "copies"));
            }
        }
    }
}

/// If `arg` of the read `call` is an HTTP body with no bound, the body expression and what it
/// belongs to.
fn unbounded_body<'t>(
    src: &Source<'t>,
    packages: &[String],
    call: Node<'t>,
    arg: Node<'t>,
) -> Option<(Node<'t>, Http<'t>)> {
    let body = unparen(arg);
    if body.kind() != "selector_expression" || src.text_of(body.child_by_field_name("field")?) != "Body" {
        return None;
    }
    let http = http_object(src, packages, body.child_by_field_name("operand")?, 0)?;
    if reassigned_before(src, call, body) {
        return None;
    }
    Some((body, http))
}

/// Recognises an expression as an HTTP request or response: a typed parameter or variable, a
/// variable assigned from an HTTP call, gin's `c.Request`, echo's `c.Request()`.
fn http_object<'t>(src: &Source<'t>, packages: &[String], expr: Node<'t>, hops: usize) -> Option<Http<'t>> {
    if hops > MAX_HOPS {
        return None;
    }
    let expr = unparen(expr);
    match expr.kind() {
        "identifier" => match binding(src, expr, src.text_of(expr))? {
            Binding::Param(p) => http_type(src, p.ty).map(|kind| Http { kind, origin: None }),
            Binding::Local { ty, value } => {
                if let Some(kind) = ty.and_then(|t| http_type(src, t)) {
                    return Some(Http { kind, origin: None });
                }
                http_object(src, packages, value?, hops + 1)
            }
        },
        // gin: `c.Request` of a `*gin.Context`.
        "selector_expression" => {
            let field = src.text_of(expr.child_by_field_name("field")?);
            let ctx = expr.child_by_field_name("operand")?;
            (field == "Request" && param_typed(src, ctx, |ty| is_type(src, ty, GIN, "Context", true)))
                .then_some(Http { kind: Kind::Request, origin: None })
        }
        "call_expression" => {
            if is_http_call(src, packages, expr) {
                return Some(Http { kind: Kind::Response, origin: Some(expr) });
            }
            if is_pkg_call(src, expr, "net/http", &["ReadRequest"]) {
                return Some(Http { kind: Kind::Request, origin: Some(expr) });
            }
            let (recv, method) = method_call(src, expr)?;
            let no_args = call_args(expr).is_empty();
            match method {
                // echo: `c.Request()` of an `echo.Context`.
                "Request" if no_args && param_typed(src, recv, |ty| is_echo_context(src, ty)) => {
                    Some(Http { kind: Kind::Request, origin: None })
                }
                // `r.WithContext(ctx)` and `r.Clone(ctx)` share the body of `r`.
                "WithContext" | "Clone" => {
                    http_object(src, packages, recv, hops + 1).filter(|h| h.kind == Kind::Request)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

const GIN: &str = "github.com/gin-gonic/gin";

fn is_echo_context(src: &Source<'_>, ty: Node<'_>) -> bool {
    is_type(src, ty, "github.com/labstack/echo/v4", "Context", false)
        || is_type(src, ty, "github.com/labstack/echo", "Context", false)
}

/// Whether `expr` is an identifier bound to a parameter whose type passes `test`.
fn param_typed(src: &Source<'_>, expr: Node<'_>, test: impl Fn(Node<'_>) -> bool) -> bool {
    let expr = unparen(expr);
    expr.kind() == "identifier"
        && matches!(binding(src, expr, src.text_of(expr)), Some(Binding::Param(p)) if test(p.ty))
}

/// `*http.Request` / `*http.Response` (or the struct types themselves).
fn http_type(src: &Source<'_>, ty: Node<'_>) -> Option<Kind> {
    let is = |name| is_type(src, ty, "net/http", name, true) || is_type(src, ty, "net/http", name, false);
    if is("Request") {
        Some(Kind::Request)
    } else if is("Response") {
        Some(Kind::Response)
    } else {
        None
    }
}

/// A call that returns an `*http.Response`: `http.Get(url)` and friends, or a method with the name
/// and argument count of an `*http.Client` method. The argument counts keep out look-alikes such
/// as a Redis client's `Do(ctx, args...)`.
fn is_http_call(src: &Source<'_>, packages: &[String], call: Node<'_>) -> bool {
    let arity_ok =
        |name: &str, n: usize| matches!((name, n), ("Do" | "Get" | "Head", 1) | ("Post", 3) | ("PostForm", 2));
    let Some((recv, method)) = method_call(src, call) else { return false };
    if !arity_ok(method, call_args(call).len()) {
        return false;
    }
    let recv = unparen(recv);
    if recv.kind() == "identifier" && packages.iter().any(|p| p == src.text_of(recv)) {
        // `pkg.Get(url)` is a package function: only net/http's are known to return a response.
        // A local variable shadowing the package name is a client again.
        if src.is_package(src.text_of(recv), "net/http") {
            return true;
        }
        if binding(src, recv, src.text_of(recv)).is_none() {
            return false;
        }
    }
    // `Do(req)` with one argument is the shape of `*http.Client` and of the interfaces that wrap
    // it. `Get(key)` is also the shape of every cache and map, so the receiver must look like a
    // client.
    method == "Do" || is_client(src, recv)
}

/// Whether a receiver is an HTTP client: `http.DefaultClient`, a variable or parameter of type
/// `*http.Client`, or a name that says so (`client`, `httpClient`, `s.http`).
fn is_client(src: &Source<'_>, recv: Node<'_>) -> bool {
    let recv = unparen(recv);
    let name = match recv.kind() {
        "identifier" => src.text_of(recv),
        "selector_expression" => recv.child_by_field_name("field").map_or("", |f| src.text_of(f)),
        _ => return false,
    };
    let lower = name.to_ascii_lowercase();
    if lower.contains("client") || lower.contains("http") {
        return true;
    }
    if recv.kind() != "identifier" {
        return false;
    }
    let is_client_type =
        |ty: Node<'_>| is_type(src, ty, "net/http", "Client", true) || is_type(src, ty, "net/http", "Client", false);
    match binding(src, recv, name) {
        Some(Binding::Param(p)) => is_client_type(p.ty),
        Some(Binding::Local { ty, value }) => {
            ty.is_some_and(is_client_type)
                || value.is_some_and(|v| {
                    let v = unparen(v);
                    let lit = if v.kind() == "unary_expression" { v.child_by_field_name("operand") } else { Some(v) };
                    lit.is_some_and(|l| {
                        l.kind() == "composite_literal" && l.child_by_field_name("type").is_some_and(is_client_type)
                    })
                })
        }
        None => false,
    }
}

/// The names the file's imports bind, so `pkg.Get(url)` is not taken for a client's method.
fn imported_names(src: &Source<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for &decl in src.import_decls() {
        visit_all(decl, |n| {
            if n.kind() != "import_spec" {
                return;
            }
            let Some(path) = n.child_by_field_name("path") else { return };
            if let Some(name) = src.import_name(src.text_of(path).trim_matches(['"', '`'])) {
                out.push(name.to_string());
            }
        });
    }
    out
}

/// Where a name used at some point got its current value.
enum Binding<'t> {
    Param(Param<'t>),
    /// A declaration or assignment: its declared type and the value assigned to the name, each
    /// when known.
    Local {
        ty: Option<Node<'t>>,
        value: Option<Node<'t>>,
    },
}

/// The binding of `name` visible at `at`: the nearest preceding declaration or assignment in the
/// function whose block encloses `at`, or else the parameter of that name. Block ends and
/// shadowing are approximated by position, which can only make a body unknown, never an HTTP one
/// that is not.
fn binding<'t>(src: &Source<'t>, at: Node<'t>, name: &str) -> Option<Binding<'t>> {
    let param = param_binding(src, at, name);
    let mut best: Option<(usize, Binding<'t>)> = param.map(|p| (p.name.start_byte(), Binding::Param(p)));
    let func = outermost_function(at)?;
    visit_all(func, |n| {
        let kind = n.kind();
        if !matches!(
            kind,
            "short_var_declaration"
                | "assignment_statement"
                | "var_spec"
                | "range_clause"
                | "receive_statement"
                | "type_switch_statement"
        ) || n.end_byte() > at.start_byte()
            || best.as_ref().is_some_and(|(pos, _)| *pos > n.start_byte())
            || !scope_of(n).is_some_and(|s| s.start_byte() <= at.start_byte() && at.end_byte() <= s.end_byte())
        {
            return;
        }
        let names: Vec<Node<'t>> = match kind {
            "range_clause" | "receive_statement" => {
                n.child_by_field_name("left").map(|l| named_children(l)).unwrap_or_default()
            }
            "type_switch_statement" => n.child_by_field_name("alias").map(|l| named_children(l)).unwrap_or_default(),
            _ => assigned_names(n),
        };
        let Some(idx) = names.iter().position(|id| id.kind() == "identifier" && src.text_of(*id) == name) else {
            return;
        };
        let local = match kind {
            "short_var_declaration" | "assignment_statement" => Binding::Local {
                ty: None,
                value: n.child_by_field_name("right").and_then(|r| value_at(r, idx, names.len())),
            },
            "var_spec" => Binding::Local {
                ty: n.child_by_field_name("type"),
                value: n.child_by_field_name("value").and_then(|r| value_at(r, idx, names.len())),
            },
            _ => Binding::Local { ty: None, value: None },
        };
        best = Some((n.start_byte(), local));
    });
    best.map(|(_, b)| b)
}

/// The value for the `idx`th of `count` names from an expression list: the matching expression,
/// or the single call of a multi-value assignment for the first name (`resp, err := client.Do(req)`).
fn value_at(list: Node<'_>, idx: usize, count: usize) -> Option<Node<'_>> {
    let values = named_children(list);
    if values.len() == count {
        values.get(idx).copied()
    } else if values.len() == 1 && idx == 0 {
        values.first().copied()
    } else {
        None
    }
}

/// The node whose extent bounds where a binding is visible.
fn scope_of(binding: Node<'_>) -> Option<Node<'_>> {
    let mut cur = binding.parent()?;
    while matches!(cur.kind(), "var_declaration" | "var_spec_list" | "for_clause" | "communication_case") {
        if cur.kind() == "communication_case" {
            return Some(cur);
        }
        cur = cur.parent()?;
    }
    Some(cur)
}

fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect()
}

/// Whether the body expression was assigned (`r.Body = http.MaxBytesReader(w, r.Body, n)`) before
/// the read in the same function. Whatever it was assigned, it is no longer the raw body that this
/// rule knows to be unbounded, so the read is left alone.
fn reassigned_before(src: &Source<'_>, call: Node<'_>, body: Node<'_>) -> bool {
    let Some(func) = outermost_function(call) else { return false };
    let text = src.text_of(body);
    let mut found = false;
    visit_all(func, |n| {
        if !found && n.kind() == "assignment_statement" && n.end_byte() <= call.start_byte() {
            found = assigned_names(n).iter().any(|lhs| src.text_of(unparen(*lhs)) == text);
        }
    });
    found
}

/// Whether the destination of `io.Copy` is memory of this function: a `bytes.Buffer` or a
/// `strings.Builder`. Anything else (a ResponseWriter, a file, `io.Discard`) streams.
fn in_memory(src: &Source<'_>, call: Node<'_>, dst: Node<'_>) -> bool {
    let dst = unparen(dst);
    if is_buffer_value(src, dst) {
        return true;
    }
    match dst.kind() {
        // `&buf` of a `var buf bytes.Buffer` or `buf := bytes.Buffer{}`.
        "unary_expression" => {
            let (Some(op), Some(operand)) = (dst.child_by_field_name("operator"), dst.child_by_field_name("operand"))
            else {
                return false;
            };
            let operand = unparen(operand);
            src.text_of(op) == "&"
                && operand.kind() == "identifier"
                && match binding(src, call, src.text_of(operand)) {
                    Some(Binding::Local { ty, value }) => {
                        ty.is_some_and(|t| is_buffer_type(src, t, false))
                            || value.is_some_and(|v| {
                                v.kind() == "composite_literal"
                                    && v.child_by_field_name("type").is_some_and(|t| is_buffer_type(src, t, false))
                            })
                    }
                    _ => false,
                }
        }
        // `buf` of `buf := new(bytes.Buffer)` or `var buf *bytes.Buffer = ...`.
        "identifier" => match binding(src, call, src.text_of(dst)) {
            Some(Binding::Local { ty, value }) => {
                ty.is_some_and(|t| is_buffer_type(src, t, true)) || value.is_some_and(|v| is_buffer_value(src, v))
            }
            _ => false,
        },
        _ => false,
    }
}

/// `new(bytes.Buffer)`, `&bytes.Buffer{}`, `bytes.NewBuffer(...)`, `bytes.NewBufferString(...)`
/// and the `strings.Builder` equivalents.
fn is_buffer_value(src: &Source<'_>, expr: Node<'_>) -> bool {
    let expr = unparen(expr);
    match expr.kind() {
        "call_expression" => {
            if is_pkg_call(src, expr, "bytes", &["NewBuffer", "NewBufferString"]) {
                return true;
            }
            let callee = expr.child_by_field_name("function").map(unparen);
            let args = expr.child_by_field_name("arguments").map(named_children).unwrap_or_default();
            // `new(T)` parses with a type argument.
            callee.is_some_and(|c| c.kind() == "identifier" && src.text_of(c) == "new")
                && args.len() == 1
                && is_buffer_type(src, args[0], false)
        }
        "unary_expression" => {
            expr.child_by_field_name("operator").is_some_and(|op| src.text_of(op) == "&")
                && expr.child_by_field_name("operand").is_some_and(|lit| {
                    lit.kind() == "composite_literal"
                        && lit.child_by_field_name("type").is_some_and(|t| is_buffer_type(src, t, false))
                })
        }
        _ => false,
    }
}

fn is_buffer_type(src: &Source<'_>, ty: Node<'_>, pointer: bool) -> bool {
    is_type(src, ty, "bytes", "Buffer", pointer) || is_type(src, ty, "strings", "Builder", pointer)
}

fn finding<'t>(src: &Source<'_>, top: &Top<'_>, call: Node<'t>, body: Node<'t>, http: Http<'t>, verb: &str) -> Finding {
    let what = match http.kind {
        Kind::Request => "request",
        Kind::Response => "response",
    };
    let related = http
        .origin
        .map(|o| Related { range: o.byte_range(), message: format!("the {what} comes from here") })
        .into_iter()
        .collect();
    let fixes =
        [limit_reader_fix(src, top, body), strict_fix(src, top, call, body, http.kind)].into_iter().flatten().collect();
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message: format!(
            "`{}` {verb} the whole HTTP {what} body into memory with no size limit: one large or hostile body \
             per request, times the requests in flight, can exhaust memory",
            snippet(src.text_of(call))
        ),
        range: call.byte_range(),
        related,
        fixes,
    }
}

/// The size constant's declaration: `1 << 20 // 1 MiB` for whole binary units, the number otherwise.
fn limit_declaration(bytes: u64) -> String {
    let value = [(30, "GiB"), (20, "MiB"), (10, "KiB")]
        .into_iter()
        .find(|(shift, _)| bytes >= 1 << shift && bytes % (1 << shift) == 0)
        .map_or_else(
            || bytes.to_string(),
            |(shift, unit)| format!("{} << {shift} // {} {unit}", bytes >> shift, bytes >> shift),
        );
    format!("// {LIMIT_CONST} bounds how much of an HTTP body is read into memory.\nconst {LIMIT_CONST} = {value}")
}

/// What the fixes need from the file's top level, computed once per check rather than once per
/// finding: each computation scans every declaration of the file, so a file with thousands of
/// findings took quadratic time.
struct Top<'a> {
    /// The names declared at file level.
    names: crate::analysis::edits::TopLevelNames<'a>,
    /// The size constant's declaration (its comment line, then the `const` line).
    declaration: String,
    /// The edit that declares the size constant at file level, for a read that no function body
    /// can take it in.
    limit: Option<Edit>,
}

impl<'a> Top<'a> {
    fn new(src: &Source<'a>, config: &Config) -> Self {
        let names = top_level_names(src);
        let declaration = limit_declaration(config.max_body_bytes);
        let limit = add_top_level(src, &declaration);
        Top { names, declaration, limit }
    }
}

/// The imports and the size constant a fix of the code at `at` needs. Whether the file declares
/// the constant is asked (and noted for the incremental cache) for each fix, not once per run: a
/// question noted once would be charged to the first fix's item alone.
///
/// The constant goes at the top of the function that holds `at`, not at file level: the fixes see
/// one file, and two files of one package that each got a package-level `maxBodyBytes` would no
/// longer compile. A function-level constant compiles whatever the package's other files declare.
fn shared_edits(src: &Source<'_>, top: &Top<'_>, imports: &[&str], at: Node<'_>) -> Option<(Vec<String>, Vec<Edit>)> {
    let (names, mut edits) = ensure_imports(src, imports)?;
    if !top.names.contains(LIMIT_CONST, at) && !declared_in_a_function_body(src, at) {
        match local_limit(src, &top.declaration, at) {
            Some(edit) => edits.push(edit),
            None => edits.push(top.limit.clone()?),
        }
    }
    Some((names, edits))
}

/// Whether the body of a function that holds `at` declares the size constant (or another value of
/// its name) among its own statements before `at`, as an earlier fix of the function does.
fn declared_in_a_function_body(src: &Source<'_>, at: Node<'_>) -> bool {
    crate::analysis::go::enclosing_functions(src.root(), at)
        .into_iter()
        .filter_map(|func| func.child_by_field_name("body"))
        .any(|body| body_declares(src, body, at.start_byte()))
}

/// Whether the statements of `body` itself (not those of nested blocks or function literals)
/// declare the size constant's name before the byte `before`.
fn body_declares(src: &Source<'_>, body: Node<'_>, before: usize) -> bool {
    // Only the statements themselves: a name declared in a nested block, a function literal or an
    // `if`/`for`/`switch` header is not in scope in the rest of the body.
    let mut cursor = body.walk();
    let list = body.named_children(&mut cursor).find(|n| n.kind() == "statement_list").unwrap_or(body);
    let mut cursor = list.walk();
    let statements: Vec<Node<'_>> = list.named_children(&mut cursor).take_while(|s| s.start_byte() < before).collect();
    statements.into_iter().any(|stmt| match stmt.kind() {
        "const_declaration" | "var_declaration" => {
            let mut named = false;
            visit_all(stmt, |n| {
                if matches!(n.kind(), "const_spec" | "var_spec") {
                    let mut c = n.walk();
                    named |= n.children_by_field_name("name", &mut c).any(|id| src.text_of(id) == LIMIT_CONST);
                }
            });
            named
        }
        "short_var_declaration" => assigned_names(stmt).iter().any(|id| src.text_of(*id) == LIMIT_CONST),
        _ => false,
    })
}

/// The edit that declares the size constant as the first statement of the innermost function that
/// holds `at`, indented like that function's statements. `None` when the body's `{` shares its line
/// with code (a one-line function), where an inserted line would not be gofmt'd, and when the body
/// declares the name further down, where a second declaration in its block would not compile.
fn local_limit(src: &Source<'_>, declaration: &str, at: Node<'_>) -> Option<Edit> {
    let body = enclosing_function(at)?.child_by_field_name("body")?;
    if body_declares(src, body, body.end_byte()) {
        return None;
    }
    let open = body.child(0).filter(|c| c.kind() == "{")?;
    let line_end = src.line_end_inclusive(open.end_byte());
    if !src.text[open.end_byte()..line_end].trim().is_empty() {
        return None;
    }
    let first = body.named_child(0)?;
    let indent = src.indent_at(first.start_byte());
    let nl = src.newline();
    // The const line alone: its name says what it bounds where it is used, a few lines below, and
    // a comment repeated in every fixed function would be noise. The blank line after it keeps
    // gofmt from aligning its `// 1 MiB` with a trailing comment of the next line.
    let line = declaration.lines().last()?;
    let text = format!("{indent}{line}{nl}{nl}");
    Some(Edit::insert(line_end, text))
}

/// Preferred: `io.LimitReader(body, maxBodyBytes)`, a longer body is cut at the limit.
fn limit_reader_fix(src: &Source<'_>, top: &Top<'_>, body: Node<'_>) -> Option<Fix> {
    let (names, mut edits) = shared_edits(src, top, &["io"], body)?;
    edits.push(Edit::replace(
        body.byte_range(),
        format!("{}.LimitReader({}, {LIMIT_CONST})", names[0], src.text_of(body)),
    ));
    Some(Fix {
        id: "limit-reader",
        title: format!("Read at most {LIMIT_CONST} bytes with io.LimitReader"),
        edits: merge_inserts(edits),
        preferred: true,
    })
}

/// How the strict fix leaves the function when the body is too long.
enum Leave {
    /// `return <zero values>, fmt.Errorf(...)`.
    Return(Vec<&'static str>),
    /// A net/http handler: `http.Error(w, ...)` then `return`, with the writer's name.
    HttpError(String),
    /// A gin handler: `c.AbortWithStatus(...)` then `return`, with the context's name.
    Gin(String),
    /// An echo handler: `return echo.NewHTTPError(...)`, with echo's local package name.
    Echo(String),
}

impl Leave {
    fn imports(&self) -> &'static [&'static str] {
        match self {
            Leave::Return(_) => &["io", "fmt"],
            _ => &["io", "net/http"],
        }
    }
}

fn leave_of(src: &Source<'_>, func: Node<'_>) -> Option<Leave> {
    let res = results(func);
    let ps = params(func);
    let last_is_error = res.last().is_some_and(|t| t.kind() == "type_identifier" && src.text_of(*t) == "error");
    if res.len() == 1 && last_is_error {
        if let Some(p) = ps.iter().find(|p| is_echo_context(src, p.ty)) {
            let qualified = if p.ty.kind() == "qualified_type" { p.ty.child_by_field_name("package") } else { None };
            return qualified.map(|pkg| Leave::Echo(src.text_of(pkg).to_string()));
        }
    }
    if last_is_error {
        let zeros = res[..res.len() - 1].iter().map(|t| zero_value(src, *t)).collect::<Option<Vec<_>>>()?;
        return Some(Leave::Return(zeros));
    }
    if !res.is_empty() {
        return None;
    }
    if let Some(p) = ps.iter().find(|p| is_type(src, p.ty, GIN, "Context", true)) {
        return Some(Leave::Gin(src.text_of(p.name).to_string()));
    }
    let writer = ps.iter().find(|p| is_type(src, p.ty, "net/http", "ResponseWriter", false))?;
    Some(Leave::HttpError(src.text_of(writer.name).to_string()))
}

/// The zero value of a result type, when it can be spelled without knowing what a named type is.
fn zero_value(src: &Source<'_>, ty: Node<'_>) -> Option<&'static str> {
    match ty.kind() {
        "pointer_type" | "slice_type" | "map_type" | "interface_type" | "function_type" | "channel_type" => Some("nil"),
        "parenthesized_type" => zero_value(src, ty.named_child(0)?),
        "type_identifier" => match src.text_of(ty) {
            "error" | "any" => Some("nil"),
            "string" => Some("\"\""),
            "bool" => Some("false"),
            "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32" | "uint64"
            | "uintptr" | "float32" | "float64" | "complex64" | "complex128" | "byte" | "rune" => Some("0"),
            _ => None,
        },
        _ => None,
    }
}

/// Strict: read through an `io.LimitedReader` one byte past the limit, and leave the function when
/// that byte was read. Only for a read that is a statement of its own, in a function that can
/// leave in a way we can spell.
fn strict_fix(src: &Source<'_>, top: &Top<'_>, call: Node<'_>, body: Node<'_>, kind: Kind) -> Option<Fix> {
    let stmt = enclosing_statement(call)?;
    let whole = match stmt.kind() {
        "short_var_declaration" | "assignment_statement" => {
            let right = named_children(stmt.child_by_field_name("right")?);
            right.len() == 1 && right[0].id() == call.id()
        }
        "expression_statement" => stmt.named_child(0).is_some_and(|e| e.id() == call.id()),
        _ => false,
    };
    let line_start = src.line_start(stmt.start_byte());
    if !whole || !src.text[line_start..stmt.start_byte()].trim().is_empty() {
        return None;
    }
    // After the `if err != nil { ... }` that handles the read, if there is one.
    let after = next_statement(stmt)
        .filter(|n| {
            n.kind() == "if_statement"
                && n.child_by_field_name("initializer").is_none()
                && n.child_by_field_name("condition").is_some_and(|c| src.text_of(c).ends_with("!= nil"))
        })
        .unwrap_or(stmt);
    let rest = &src.text[after.end_byte()..src.line_end_inclusive(after.end_byte())];
    if !(rest.trim().is_empty() || rest.trim_start().starts_with("//")) || !rest.ends_with('\n') {
        return None;
    }
    let leave = leave_of(src, enclosing_function(call)?)?;
    let (names, mut edits) = shared_edits(src, top, leave.imports(), call)?;
    let (io, other) = (&names[0], &names[1]);
    let var = fresh_name(src, top, call)?;
    let nl = src.newline();
    let indent = src.indent_at(stmt.start_byte());
    let status = match kind {
        Kind::Request => "StatusRequestEntityTooLarge",
        Kind::Response => "StatusBadGateway",
    };
    let what = match kind {
        Kind::Request => "request",
        Kind::Response => "response",
    };
    let lines = match &leave {
        Leave::Return(zeros) => {
            let mut values: Vec<String> = zeros.iter().map(|z| z.to_string()).collect();
            values.push(format!("{other}.Errorf(\"{what} body exceeds %d bytes\", {LIMIT_CONST})"));
            vec![format!("return {}", values.join(", "))]
        }
        Leave::HttpError(w) => {
            vec![format!("{other}.Error({w}, \"{what} body too large\", {other}.{status})"), "return".to_string()]
        }
        Leave::Gin(c) => vec![format!("{c}.AbortWithStatus({other}.{status})"), "return".to_string()],
        Leave::Echo(echo) => vec![format!("return {echo}.NewHTTPError({other}.{status})")],
    };
    let mut check = format!("{indent}if {var}.N == 0 {{{nl}");
    for l in &lines {
        check.push_str(&format!("{indent}\t{l}{nl}"));
    }
    check.push_str(&format!("{indent}}}{nl}"));
    edits.push(Edit::insert(
        line_start,
        format!("{indent}{var} := &{io}.LimitedReader{{R: {}, N: {LIMIT_CONST} + 1}}{nl}", src.text_of(body)),
    ));
    edits.push(Edit::replace(body.byte_range(), var.clone()));
    edits.push(Edit::insert(src.line_end_inclusive(after.end_byte()), check));
    Some(Fix {
        id: "limited-reader-strict",
        title: format!("Fail when the body is longer than {LIMIT_CONST} bytes (io.LimitedReader)"),
        edits: merge_inserts(edits),
        preferred: false,
    })
}

/// A variable name for the limited reader that no identifier of the function or the file's
/// top level uses.
fn fresh_name(src: &Source<'_>, top: &Top<'_>, call: Node<'_>) -> Option<String> {
    let func = outermost_function(call)?;
    let mut used = Vec::new();
    visit_all(func, |n| {
        if n.kind() == "identifier" {
            used.push(src.text_of(n));
        }
    });
    ["limited".to_string(), "limitedBody".to_string()]
        .into_iter()
        .chain((2..100).map(|i| format!("limitedBody{i}")))
        .find(|name| !used.contains(&name.as_str()) && !top.names.contains(name.as_str(), call))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fix::apply_edits;
    use crate::analysis::{analyze_text, parse};

    fn findings(text: &str) -> Vec<Finding> {
        analyze_text(text, &Config::default()).into_iter().filter(|f| f.rule == RULE.id).collect()
    }

    fn apply(text: &str, id: &str) -> String {
        let found = findings(text);
        assert_eq!(found.len(), 1, "{found:?}");
        let fix = found[0].fixes.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no {id} fix"));
        let out = apply_edits(text, &fix.edits).unwrap();
        assert!(!parse(&out, None).root_node().has_error(), "does not parse:\n{out}");
        out
    }

    #[test]
    fn limit_declaration_spells_binary_units() {
        assert!(limit_declaration(1 << 20).ends_with("const maxBodyBytes = 1 << 20 // 1 MiB"));
        assert!(limit_declaration(10 << 20).ends_with("= 10 << 20 // 10 MiB"));
        assert!(limit_declaration(512 << 10).ends_with("= 512 << 10 // 512 KiB"));
        assert!(limit_declaration(2 << 30).ends_with("= 2 << 30 // 2 GiB"));
        assert!(limit_declaration(1_000_000).ends_with("= 1000000"));
    }

    #[test]
    fn preferred_fix_adds_import_and_reuses_the_constant() {
        let text = "package a\n\nimport \"io/ioutil\"\n\nconst maxBodyBytes = 4096\n\nfunc f(c *Client, req *Req) []byte {\n\tresp, _ := c.Do(req)\n\tb, _ := ioutil.ReadAll(resp.Body)\n\treturn b\n}\n";
        let out = apply(text, "limit-reader");
        assert_eq!(
            out,
            "package a\n\nimport (\n\t\"io\"\n\t\"io/ioutil\"\n)\n\nconst maxBodyBytes = 4096\n\nfunc f(c *Client, req *Req) []byte {\n\tresp, _ := c.Do(req)\n\tb, _ := ioutil.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))\n\treturn b\n}\n"
        );
        assert!(findings(&out).is_empty());
    }

    /// Declares the constant as the function's first statement when nothing in scope does, so that
    /// a fix in each of two files of one package still compiles.
    #[test]
    fn preferred_fix_declares_the_constant_in_the_function() {
        let text = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(resp *http.Response) []byte {\n\tif resp == nil {\n\t\treturn nil\n\t}\n\tb, _ := io.ReadAll(resp.Body)\n\treturn b\n}\n";
        let out = apply(text, "limit-reader");
        assert_eq!(
            out,
            "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(resp *http.Response) []byte {\n\tconst maxBodyBytes = 1 << 20 // 1 MiB\n\n\tif resp == nil {\n\t\treturn nil\n\t}\n\tb, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))\n\treturn b\n}\n"
        );
        assert!(findings(&out).is_empty());
    }

    /// A constant of an enclosing function, declared before the read, is reused: by the second fix
    /// of one function, and by a fix inside a function literal.
    #[test]
    fn fixes_reuse_the_constant_of_an_enclosing_function() {
        let text = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(a, b *http.Response) {\n\tx, _ := io.ReadAll(a.Body)\n\tgo func() {\n\t\ty, _ := io.ReadAll(b.Body)\n\t\t_ = y\n\t}()\n\tz, _ := io.ReadAll(b.Body)\n\t_, _ = x, z\n}\n";
        let (out, applied) = crate::analysis::fix::fix_all(text, &Config::default(), None, 10);
        assert_eq!(applied, 3, "{out}");
        assert_eq!(out.matches("const maxBodyBytes").count(), 1, "{out}");
        assert!(
            out.contains("func f(a, b *http.Response) {\n\tconst maxBodyBytes = 1 << 20 // 1 MiB\n\n\tx, _ :="),
            "{out}"
        );
        assert_eq!(out.matches("LimitReader(").count(), 3, "{out}");
        assert!(!parse(&out, None).root_node().has_error() && findings(&out).is_empty(), "{out}");
        // A constant in a nested block is out of scope at a read after it: that read gets its own.
        let nested = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(a *http.Response, ok bool) {\n\tif ok {\n\t\tconst maxBodyBytes = 10\n\t\t_ = maxBodyBytes\n\t}\n\tx, _ := io.ReadAll(a.Body)\n\t_ = x\n}\n";
        let out = apply(nested, "limit-reader");
        assert!(
            out.contains("func f(a *http.Response, ok bool) {\n\tconst maxBodyBytes = 1 << 20 // 1 MiB\n\n\tif ok {"),
            "{out}"
        );
        // As is one declared in an `if` header.
        let header = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(a *http.Response) {\n\tif maxBodyBytes := 10; maxBodyBytes > 0 {\n\t}\n\tx, _ := io.ReadAll(a.Body)\n\t_ = x\n}\n";
        let out = apply(header, "limit-reader");
        assert!(
            out.contains("func f(a *http.Response) {\n\tconst maxBodyBytes = 1 << 20 // 1 MiB\n\n\tif maxBodyBytes"),
            "{out}"
        );
    }

    /// Where a first statement cannot take the constant (a one-line function, or a body that
    /// declares the name after the read, where a second declaration in one block would not
    /// compile), it goes after the imports as before.
    #[test]
    fn the_constant_falls_back_to_file_level() {
        let one_line = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(r *http.Response) []byte { b, _ := io.ReadAll(r.Body); return b }\n";
        let out = apply(one_line, "limit-reader");
        assert!(out.contains(")\n\n// maxBodyBytes bounds how much of an HTTP body is read into memory.\nconst maxBodyBytes = 1 << 20 // 1 MiB\n\nfunc f("), "{out}");
        let later = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(r *http.Response) []byte {\n\tb, _ := io.ReadAll(r.Body)\n\tconst maxBodyBytes = 5\n\treturn b[:maxBodyBytes]\n}\n";
        let out = apply(later, "limit-reader");
        assert_eq!(out.matches("const maxBodyBytes").count(), 2, "{out}");
        assert!(out.contains(")\n\n// maxBodyBytes bounds how much of an HTTP body is read into memory.\nconst maxBodyBytes = 1 << 20 // 1 MiB\n\nfunc f("), "{out}");
    }

    #[test]
    fn strict_fix_needs_spellable_zero_values() {
        let base = |result: &str| {
            format!(
                "package a\n\nimport \"net/http\"\n\nfunc f(resp *http.Response) ({result}, error) {{\n\tb, err := io.ReadAll(resp.Body)\n\t_ = b\n\treturn {result}{{}}, err\n}}\n"
            )
        };
        let found = findings(&base("Item"));
        assert_eq!(found.len(), 1);
        assert!(found[0].fixes.iter().all(|f| f.id != "limited-reader-strict"), "a struct has no spellable zero");
        let text = "package a\n\nimport \"net/http\"\n\nfunc f(resp *http.Response) (string, int, error) {\n\tb, err := io.ReadAll(resp.Body)\n\treturn string(b), 0, err\n}\n";
        let out = apply(text, "limited-reader-strict");
        assert!(out.contains("\tif limited.N == 0 {\n\t\treturn \"\", 0, fmt.Errorf(\"response body exceeds %d bytes\", maxBodyBytes)\n\t}\n"), "{out}");
        assert!(out.contains("import (\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n)"), "{out}");
        assert!(findings(&out).is_empty());
    }

    #[test]
    fn strict_fix_picks_a_free_variable_name() {
        let text = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tlimited := true\n\tb, _ := io.ReadAll(r.Body)\n\t_, _ = b, limited\n}\n";
        let out = apply(text, "limited-reader-strict");
        assert!(out.contains("\tlimitedBody := &io.LimitedReader{R: r.Body, N: maxBodyBytes + 1}\n\tb, _ := io.ReadAll(limitedBody)\n\tif limitedBody.N == 0 {\n\t\thttp.Error(w, \"request body too large\", http.StatusRequestEntityTooLarge)\n\t\treturn\n\t}\n"), "{out}");
    }

    #[test]
    fn bindings_follow_position_and_scope() {
        // A range variable shadows the response; a later reassignment from a message is not HTTP.
        let text = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(msgs []Msg) {\n\tresp, _ := http.Get(\"u\")\n\tdefer resp.Body.Close()\n\tfor _, resp := range msgs {\n\t\tio.ReadAll(resp.Body)\n\t}\n\tresp2, _ := http.Get(\"u\")\n\tdefer resp2.Body.Close()\n\tresp2 = other()\n\tio.ReadAll(resp2.Body)\n}\n";
        assert!(findings(text).is_empty(), "{:?}", findings(text));
    }
}
