use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    assigned_names, assignment_of, call_args, enclosing_function, is_type, param_binding, unparen, visit_all,
    visit_in_function, walk, Step,
};
use crate::analysis::resource::{self, plain_use_escapes, Acquired, Outcome, Resource};
use crate::analysis::{Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "unclosed-body",
    summary: "An `*http.Response` whose `Body` is not closed on every path.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/unclosed-body.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds HTTP responses whose `Body` is not closed on every path out of the function that received
them. The calls it follows are:

- `http.Get`, `http.Post` and `http.PostForm` (the package is resolved through the file's imports,
  so an aliased `net/http` is followed and another package called `http` is not);
- `Do(req)`, `Get(url)`, `Post(url, contentType, body)` and `PostForm(url, data)` on an
  `*http.Client`: `http.DefaultClient`, a parameter, receiver field or variable of type
  `*http.Client`/`http.Client`, or a variable set to `&http.Client{...}`;
- the same calls on a receiver of unknown type (an interface, a field declared in another file)
  when the function uses the result like an `*http.Response` (`resp.Body`, `resp.StatusCode`,
  `resp.Header`). Receivers typed by or built from another package (`*resty.Client`,
  `retryablehttp.NewClient()`) and local methods that return something else are left alone, which
  keeps `cache.Get(key)` and redis' `client.Do(ctx, ...)` quiet.

The response must be assigned to a name (`resp, err := ...`). The body counts as closed by
`defer resp.Body.Close()`, by a deferred closure that closes it, or by an explicit
`resp.Body.Close()` on the path. Paths that leave through the error check (`if err != nil`, or
`resp == nil`) need no close. A response declared with `:=` inside a loop must also be closed
before the next iteration starts (the end of the loop body or a `continue`), since the next
iteration's variable replaces it. The finding is reported on the call, with each leaking `return`,
`continue` or function end as related information.

The rule stays quiet when the response changes hands: it is returned, passed to another function,
stored in a field, variable, map, slice or composite literal, sent on a channel, or captured by a
closure or goroutine; the same holds for `resp.Body`, except when it is only read by `io.ReadAll`,
`io.Copy`, `json.NewDecoder`, `bufio.NewScanner` and similar readers, which never close it.
Returning the response on the error path right after the call (`return nil, resp, err`) is not a
hand-over: on that path there is nothing to close.

## Why it hurts under load

Until its body is closed, a response pins its connection, the connection's read and write buffers
and a file descriptor. The transport cannot put that connection back in its idle pool, so the next
request to the same host dials a new one, with a new TLS handshake. At hundreds of requests per
second this compounds: descriptors run out (`too many open files`), memory grows with every
stranded connection and its goroutines, and latency climbs with the extra dials. Nothing fails in a
test that makes three requests.

## Example

```go
func fetch(client *http.Client, req *http.Request) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode) // leaves the body open
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
```

## Fix

Close the body with `defer resp.Body.Close()` right after the error check, before any other early
return. The quick fix (`defer-close`) inserts exactly that after the `if err != nil { ... }` that
follows the call (or right after the call when the error is discarded), and moves a later
`defer resp.Body.Close()` of the same statement list up instead of adding a second one. It is not
offered when the call is not a plain `resp, err := ...` statement, when the error is checked
elsewhere than directly after the call (a `defer` before the check would dereference a nil
response), or inside a loop, where a `defer` would keep every body open until the function
returns; close the body explicitly at the end of each iteration there.

## What it cannot see

- Responses handed to another function, returned, stored or captured: the new owner is trusted.
- Bodies closed by a helper (`defer closeBody(resp)`): a call taking the response counts as a
  hand-over, so such code is never flagged, but a helper that forgets to close is not seen either.
- Results that are discarded (`_, err := http.Get(url)`) or not assigned at all.
- `http.Head` and `Client.Head`: a HEAD response has no body and its connection is reused without a
  close, so there is nothing to leak.
- A response variable that is overwritten by another request before its body is closed, and
  `resp.Body` reassigned to anything but `http.MaxBytesReader(w, resp.Body, n)`.
- Framework helpers that stream a body without closing it (`c.Stream(code, ct, resp.Body)`): a body
  passed to anything but a known reader counts as handed over.
- Error checks done through a helper (`if failed(err)`), `err` reassigned without a call, and
  switches on `err`: the rule stops following that response rather than guess.
- Clients and wrappers from other packages (resty, retryablehttp, imroc/req), some of which close
  the body themselves.
- Loops are followed once. A response assigned to a variable declared outside the loop is checked
  only at the function's exits, so a retry loop that overwrites an unclosed response is not seen.
"#;

/// One response under analysis: `resp, err := call` in function `func` (`var` is `resp`).
type Response<'t> = Acquired<'t>;

/// The response body as a resource for the shared ownership and path analysis.
struct Body;

impl Resource for Body {
    fn is_release(&self, src: &Source<'_>, call: Node<'_>, var: &str) -> bool {
        is_body_close(src, call, var)
    }

    /// `resp == nil` and `resp.Body == nil` both mean there is nothing to close.
    fn is_nil_subject(&self, src: &Source<'_>, x: Node<'_>, resp: &str) -> bool {
        let is_resp = x.kind() == "identifier" && src.text_of(x) == resp;
        let is_body = x.kind() == "selector_expression"
            && x.child_by_field_name("operand").is_some_and(|o| o.kind() == "identifier" && src.text_of(o) == resp)
            && x.child_by_field_name("field").is_some_and(|f| src.text_of(f) == "Body");
        is_resp || is_body
    }

    /// Reading `resp.StatusCode` or `resp.Header` keeps the response here; `resp.Body` changes
    /// hands unless it is closed, read by a known reader, or rewrapped in place.
    fn occurrence_escapes(&self, src: &Source<'_>, n: Node<'_>, r: &Acquired<'_>) -> bool {
        let Some(parent) = n.parent() else { return true };
        if parent.kind() != "selector_expression" {
            return plain_use_escapes(src, n, r);
        }
        if parent.child_by_field_name("operand") != Some(n) {
            return true;
        }
        parent.child_by_field_name("field").is_none_or(|f| src.text_of(f) == "Body") && body_escapes(src, parent)
    }
}

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    let mut memo = Memo::default();
    let mut seen = HashSet::new();
    for m in matches(src, RULE.id) {
        let (Some(call), Some(stmt), Some(resp), Some(err), Some(recv)) =
            (m.get("call"), m.get("stmt"), m.get("resp"), m.get("err"), m.get("recv"))
        else {
            continue;
        };
        if !seen.insert(call.id()) {
            continue;
        }
        let resp = src.text_of(resp);
        let err = Some(src.text_of(err)).filter(|e| *e != "_");
        if resp == "_" {
            continue;
        }
        let Some(func) = enclosing_function(call) else { continue };
        let r = Response { call, stmt, func, var: resp, err };
        if !returns_http_response(src, &mut memo, &r, recv) || !resource::owned_here(src, &r) {
            continue;
        }
        let err_block = resource::direct_err_check(src, &Body, &r).and_then(|s| s.child_by_field_name("consequence"));
        if resource::escapes(src, &Body, &r, err_block) {
            continue;
        }
        let Some(walk) = resource::walk(src, &Body, &r).filter(|w| !w.leaks.is_empty()) else { continue };
        out.push(finding(src, &r, &walk));
    }
}

// ---- Is this an *http.Response? ----

/// What is known about the receiver of `x.Do(req)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Client {
    /// An `*http.Client` (or `http.Client`).
    Http,
    /// A type from another package, or a local type whose method returns something else.
    Foreign,
    Unknown,
}

impl Client {
    /// Combines what several declarations say; any foreign one wins, since quiet is the safe side.
    fn and(self, other: Client) -> Client {
        match (self, other) {
            (Client::Foreign, _) | (_, Client::Foreign) => Client::Foreign,
            (Client::Http, _) | (_, Client::Http) => Client::Http,
            _ => Client::Unknown,
        }
    }
}

/// What one run of the rule learns about the file, so that it is learnt once per file and not once
/// per call: the file's import paths and what the file's methods of a name return. Both are
/// searches of the file's top-level declarations, which per call made a file of many requests
/// quadratic, and made a focused run after a keystroke walk the file even with nothing to check.
#[derive(Default)]
struct Memo<'a> {
    imports: Option<Vec<String>>,
    methods: HashMap<&'a str, Client>,
    /// What the struct fields of a name say about a client (see [`client_of`]), found once per
    /// name: every `s.client.Do(req)` asks about the same field, and each answer costs a look-up
    /// of every field declaration of that name in the tree.
    fields: HashMap<&'a str, Client>,
}

impl<'a> Memo<'a> {
    /// The import paths of the file, found on first use.
    fn imports(&mut self, src: &Source<'_>) -> &[String] {
        self.imports.get_or_insert_with(|| import_paths(src))
    }

    /// What the file's methods named `method` say (see [`local_method`]), found once per name.
    fn local_method(&mut self, src: &Source<'_>, method: &'a str) -> Client {
        *self.methods.entry(method).or_insert_with(|| local_method(src, method))
    }
}

fn returns_http_response<'a, 't>(src: &Source<'a>, memo: &mut Memo<'a>, r: &Response<'t>, recv: Node<'t>) -> bool {
    let Some(func) = r.call.child_by_field_name("function") else { return false };
    let method = func.child_by_field_name("field").map(|f| src.text_of(f)).unwrap_or("");
    let arity = match method {
        "Do" | "Get" => 1,
        "PostForm" => 2,
        "Post" => 3,
        _ => return false,
    };
    if call_args(r.call).len() != arity {
        return false;
    }
    let recv = unparen(recv);
    if recv.kind() == "identifier" {
        let name = src.text_of(recv);
        // `http.Get(url)`: the package function, unless a local variable shadows the name.
        if src.is_package(name, "net/http") && !is_local(src, recv, name) {
            return method != "Do";
        }
        if memo.imports(src).iter().any(|p| src.is_package(name, p)) && !is_local(src, recv, name) {
            return false;
        }
    }
    let mut client = client_of(src, memo, recv, r.call);
    if client == Client::Unknown {
        client = memo.local_method(src, method);
    }
    match client {
        Client::Http => true,
        Client::Foreign => false,
        Client::Unknown => used_as_response(src, r),
    }
}

/// The import paths of the file.
fn import_paths(src: &Source<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for &decl in src.import_decls() {
        visit_all(decl, |n| {
            if n.kind() == "import_spec" {
                if let Some(p) = n.child_by_field_name("path") {
                    out.push(src.text_of(p).trim_matches(['"', '`']).to_string());
                }
            }
        });
    }
    out
}

/// Whether `name` is a parameter or a variable declared in a function around `at`, so it is no
/// package name.
fn is_local(src: &Source<'_>, at: Node<'_>, name: &str) -> bool {
    if param_binding(src, at, name).is_some() {
        return true;
    }
    let mut cur = enclosing_function(at);
    while let Some(f) = cur {
        if !bindings(src, f, name).is_empty() {
            return true;
        }
        cur = enclosing_function(f);
    }
    false
}

/// The values bound to `name` by `:=`, `=` or `var` directly in `scope` (nested functions
/// excluded), each as (value expression if any, declared type if any).
fn bindings<'t>(src: &Source<'t>, scope: Node<'t>, name: &str) -> Vec<(Option<Node<'t>>, Option<Node<'t>>)> {
    let mut out = Vec::new();
    let mut visit = |n: Node<'t>| {
        if !matches!(n.kind(), "short_var_declaration" | "assignment_statement" | "var_spec") {
            return;
        }
        let names = assigned_names(n);
        let Some(i) = names.iter().position(|x| src.text_of(*x) == name) else { return };
        let values = n.child_by_field_name(if n.kind() == "var_spec" { "value" } else { "right" });
        let values: Vec<_> = match values {
            Some(v) => {
                let mut c = v.walk();
                v.named_children(&mut c).filter(|x| x.kind() != "comment").collect()
            }
            None => Vec::new(),
        };
        let value = (values.len() == names.len()).then(|| values[i]);
        out.push((value, n.child_by_field_name("type")));
    };
    // The file is the root of the tree whatever its kind (an ERROR root, when a syntax error
    // swallowed much of the file, is still the file: walking it would count every function's
    // locals as package-level bindings).
    if scope.id() == src.root().id() {
        // Package-level `var` declarations only, without the function literals of their values:
        // a variable declared in one is local to it. Counting it also made the finding depend on
        // another declaration than those of `name`, which the incremental cache follows (see
        // `client_of`), so an edit inside the literal left a stale finding in the server.
        for &decl in src.file_vars() {
            visit_in_function(decl, &mut visit);
        }
    } else {
        visit_in_function(scope, &mut visit);
    }
    out
}

/// What a type expression says about a client.
fn client_type(src: &Source<'_>, ty: Node<'_>) -> Client {
    if is_type(src, ty, "net/http", "Client", true) || is_type(src, ty, "net/http", "Client", false) {
        return Client::Http;
    }
    let inner = if ty.kind() == "pointer_type" { ty.named_child(0).unwrap_or(ty) } else { ty };
    if inner.kind() == "qualified_type" {
        Client::Foreign
    } else {
        Client::Unknown
    }
}

/// What a value expression bound to the client says: `&http.Client{}` or `http.DefaultClient`
/// make it one; a literal or call of another package makes it foreign.
fn client_value(src: &Source<'_>, memo: &mut Memo<'_>, value: Node<'_>) -> Client {
    let mut v = unparen(value);
    if v.kind() == "unary_expression" && v.child_by_field_name("operator").is_some_and(|o| src.text_of(o) == "&") {
        match v.child_by_field_name("operand") {
            Some(o) => v = unparen(o),
            None => return Client::Unknown,
        }
    }
    match v.kind() {
        "composite_literal" => v.child_by_field_name("type").map_or(Client::Unknown, |t| client_type(src, t)),
        "selector_expression" if is_default_client(src, v) => Client::Http,
        "call_expression" => {
            let Some(f) = v.child_by_field_name("function").map(unparen) else { return Client::Unknown };
            match f.child_by_field_name("operand") {
                Some(pkg) if f.kind() == "selector_expression" && pkg.kind() == "identifier" => {
                    if src.is_package(src.text_of(pkg), "net/http") {
                        Client::Unknown
                    } else if memo.imports(src).iter().any(|p| src.is_package(src.text_of(pkg), p)) {
                        Client::Foreign
                    } else {
                        Client::Unknown
                    }
                }
                _ => Client::Unknown,
            }
        }
        _ => Client::Unknown,
    }
}

fn is_default_client(src: &Source<'_>, sel: Node<'_>) -> bool {
    let (Some(op), Some(field)) = (sel.child_by_field_name("operand"), sel.child_by_field_name("field")) else {
        return false;
    };
    op.kind() == "identifier" && src.text_of(field) == "DefaultClient" && src.is_package(src.text_of(op), "net/http")
}

/// Classifies the receiver of the call from its declarations in this file.
fn client_of<'a>(src: &Source<'a>, memo: &mut Memo<'a>, recv: Node<'_>, call: Node<'_>) -> Client {
    match recv.kind() {
        "selector_expression" if is_default_client(src, recv) => Client::Http,
        "selector_expression" => {
            // `s.client`: every struct field of that name declared in this file.
            let Some(field) = recv.child_by_field_name("field").map(|f| src.text_of(f)) else { return Client::Unknown };
            *memo.fields.entry(field).or_insert_with(|| {
                let mut kind = Client::Unknown;
                for ty in src.field_types(field) {
                    kind = kind.and(client_type(src, ty));
                }
                kind
            })
        }
        "identifier" => {
            let name = src.text_of(recv);
            if let Some(p) = param_binding(src, call, name) {
                return client_type(src, p.ty);
            }
            let mut kind = Client::Unknown;
            let mut scopes = Vec::new();
            let mut cur = enclosing_function(call);
            while let Some(f) = cur {
                scopes.push(f);
                cur = enclosing_function(f);
            }
            src.reads_top_level_for(name, recv); // Package-level `var`s: noted for the incremental cache.
            scopes.push(src.root());
            for scope in scopes {
                for (value, ty) in bindings(src, scope, name) {
                    if let Some(t) = ty {
                        kind = kind.and(client_type(src, t));
                    }
                    if let Some(v) = value {
                        kind = kind.and(client_value(src, memo, v));
                    }
                }
            }
            kind
        }
        _ => Client::Unknown,
    }
}

/// A method of that name declared in this file tells what such calls return here.
fn local_method(src: &Source<'_>, method: &str) -> Client {
    let mut kind = Client::Unknown;
    let root = src.root();
    let mut cursor = root.walk();
    for decl in root.named_children(&mut cursor).filter(|d| d.kind() == "method_declaration") {
        if decl.child_by_field_name("name").map(|n| src.text_of(n)) != Some(method) {
            continue;
        }
        let first = crate::analysis::go::results(decl).into_iter().next();
        let response = first.is_some_and(|t| is_type(src, t, "net/http", "Response", true));
        kind = kind.and(if response { Client::Http } else { Client::Foreign });
    }
    kind
}

/// Whether the function reads the result like an `*http.Response`: `resp.Body`, `resp.StatusCode`
/// or `resp.Header` as fields (methods of the same names belong to other clients' responses).
fn used_as_response(src: &Source<'_>, r: &Response<'_>) -> bool {
    let selector = *SELECTOR;
    let mut used = false;
    // Stops at the first use; the field is tested before the parent is looked up, since
    // `Node::parent` descends from the root and most selectors are of other names.
    walk(r.func, |n| {
        if n.kind_id() != selector {
            return Step::Enter;
        }
        let (Some(op), Some(field)) = (n.child_by_field_name("operand"), n.child_by_field_name("field")) else {
            return Step::Enter;
        };
        used = op.kind() == "identifier"
            && src.text_of(op) == r.var
            && matches!(src.text_of(field), "Body" | "StatusCode" | "Header")
            && !n
                .parent()
                .is_some_and(|p| p.kind() == "call_expression" && p.child_by_field_name("function") == Some(n));
        if used {
            Step::Stop
        } else {
            Step::Enter
        }
    });
    used
}

/// The kind id of `selector_expression`, for the walks that test every node.
static SELECTOR: std::sync::LazyLock<u16> =
    std::sync::LazyLock::new(|| crate::analysis::go::kind_id("selector_expression"));

// ---- Does the response change hands? ----

/// Whether a use of `resp.Body` hands the body to someone else.
fn body_escapes(src: &Source<'_>, sel: Node<'_>) -> bool {
    let Some(p) = sel.parent() else { return true };
    match p.kind() {
        // `resp.Body.Close()`, `resp.Body.Read(buf)`.
        "selector_expression" => false,
        "binary_expression" => !resource::is_comparison(src, p),
        "argument_list" => !p.parent().is_some_and(|c| is_reader_call(src, c) || is_body_rewrap(src, c, sel)),
        // `&io.LimitedReader{R: resp.Body, N: n}` only reads, like `io.LimitReader`.
        "literal_element" => !is_limited_reader_field(src, p),
        // `resp.Body = http.MaxBytesReader(nil, resp.Body, n)`: closing the wrapper closes the body.
        "expression_list" => !p
            .parent()
            .and_then(|stmt| stmt.child_by_field_name("right"))
            .and_then(|rhs| rhs.named_child(0))
            .is_some_and(|c| is_body_rewrap(src, c, sel)),
        _ => true,
    }
}

/// Whether `elem` is the value of `R:` in an `io.LimitedReader{...}` literal.
fn is_limited_reader_field(src: &Source<'_>, elem: Node<'_>) -> bool {
    let Some(keyed) = elem.parent().filter(|k| k.kind() == "keyed_element") else { return false };
    if keyed.child_by_field_name("value") != Some(elem)
        || keyed.child_by_field_name("key").is_none_or(|k| src.text_of(k) != "R")
    {
        return false;
    }
    let lit = keyed.parent().and_then(|body| body.parent()).filter(|l| l.kind() == "composite_literal");
    lit.and_then(|l| l.child_by_field_name("type")).is_some_and(|t| is_type(src, t, "io", "LimitedReader", false))
}

/// Whether `call` is `http.MaxBytesReader(w, X.Body, n)` assigned back to `X.Body`, with `body`
/// one of the two `X.Body` expressions.
fn is_body_rewrap(src: &Source<'_>, call: Node<'_>, body: Node<'_>) -> bool {
    use crate::analysis::go::is_pkg_call;
    if !is_pkg_call(src, call, "net/http", &["MaxBytesReader"]) {
        return false;
    }
    let Some(stmt) = assignment_of(call).filter(|s| s.kind() == "assignment_statement") else { return false };
    let (left, args) = (assigned_names(stmt), call_args(call));
    let same = |a: Node<'_>| src.text_of(a) == src.text_of(body);
    left.len() == 1 && same(left[0]) && args.get(1).is_some_and(|a| same(*a))
}

/// Calls that read from a body without taking it over or closing it.
fn is_reader_call(src: &Source<'_>, call: Node<'_>) -> bool {
    use crate::analysis::go::is_pkg_call;
    const IO: &[&str] = &[
        "ReadAll",
        "Copy",
        "CopyN",
        "CopyBuffer",
        "ReadFull",
        "ReadAtLeast",
        "LimitReader",
        "TeeReader",
        "MultiReader",
    ];
    is_pkg_call(src, call, "io", IO)
        || is_pkg_call(src, call, "io/ioutil", &["ReadAll"])
        || is_pkg_call(src, call, "encoding/json", &["NewDecoder"])
        || is_pkg_call(src, call, "encoding/xml", &["NewDecoder"])
        || is_pkg_call(src, call, "encoding/csv", &["NewReader"])
        || is_pkg_call(src, call, "bufio", &["NewReader", "NewReaderSize", "NewScanner"])
        || is_pkg_call(src, call, "compress/gzip", &["NewReader"])
        || crate::analysis::go::method_call(src, call).is_some_and(|(_, m)| m == "ReadFrom")
}

/// Whether `n` is the call `resp.Body.Close()`.
fn is_body_close(src: &Source<'_>, n: Node<'_>, resp: &str) -> bool {
    let Some((body, "Close")) = crate::analysis::go::method_call(src, n) else { return false };
    let body = unparen(body);
    if body.kind() != "selector_expression" || !call_args(n).is_empty() {
        return false;
    }
    let (Some(op), Some(field)) = (body.child_by_field_name("operand"), body.child_by_field_name("field")) else {
        return false;
    };
    op.kind() == "identifier" && src.text_of(op) == resp && src.text_of(field) == "Body"
}

// ---- Reporting and fixing ----

fn finding(src: &Source<'_>, r: &Response<'_>, walk: &Outcome<'_>) -> Finding {
    let call_text = resource::short_call(src, r.call);
    let resp = r.var;
    let cost = "each leaked body keeps a connection and its file descriptor busy";
    let message = if walk.in_loop() {
        format!(
            "`{resp}.Body` from `{call_text}` is not closed before the next iteration: {cost}; close it at the \
             end of every iteration, before each `continue` too"
        )
    } else if walk.released_somewhere {
        format!(
            "`{resp}.Body` from `{call_text}` is not closed on every path: {cost}; close it with \
             `defer {resp}.Body.Close()` right after the error check"
        )
    } else {
        format!(
            "`{resp}.Body` from `{call_text}` is never closed: {cost}; add `defer {resp}.Body.Close()` after the \
             error check"
        )
    };
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message,
        range: r.call.byte_range(),
        related: resource::related(r, walk, &format!("`{resp}.Body`"), "open"),
        fixes: defer_close(src, r).into_iter().collect(),
    }
}

/// Inserts `defer resp.Body.Close()` after the error check that follows the call (or after the
/// call when its error is discarded), moving a later `defer resp.Body.Close()` of the same block.
fn defer_close(src: &Source<'_>, r: &Response<'_>) -> Option<Fix> {
    let edits = resource::defer_after_check(src, &Body, r, &format!("defer {}.Body.Close()", r.var))?;
    Some(Fix {
        id: "defer-close",
        title: format!("Add `defer {}.Body.Close()` after the error check", r.var),
        edits,
        preferred: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::parse;

    fn effects(cond: &str) -> (resource::Effect, resource::Effect) {
        let text = format!("package p\nfunc f() {{\n\tif {cond} {{\n\t}}\n}}\n");
        let tree = parse(&text, None);
        let src = Source::new(&text, &tree);
        let mut out = None;
        visit_all(src.root(), |n| {
            if n.kind() == "if_statement" {
                out = Some(resource::classify(
                    &src,
                    &Body,
                    n.child_by_field_name("condition").unwrap(),
                    "resp",
                    Some("err"),
                    0,
                ));
            }
        });
        out.unwrap()
    }

    fn go(body: &str) -> String {
        format!("package p\n\nimport \"net/http\"\n\nfunc f(c *http.Client, req *http.Request) error {{\n{body}}}\n")
    }

    fn ours(text: &str) -> Vec<Finding> {
        let config = Config::default();
        crate::analysis::analyze_text(text, &config).into_iter().filter(|f| f.rule == RULE.id).collect()
    }

    fn fixed(text: &str) -> String {
        let (out, applied) = crate::analysis::fix::fix_all(text, &Config::default(), Some("defer-close"), 10);
        assert!(applied > 0, "no fix applied to:\n{text}");
        assert!(ours(&out).is_empty(), "findings left in:\n{out}");
        out
    }

    #[test]
    fn fix_keeps_crlf_and_indentation() {
        let text = go("\tresp, err := c.Do(req)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn nil\n")
            .replace('\n', "\r\n");
        let out = fixed(&text);
        assert!(out.contains("\t}\r\n\tdefer resp.Body.Close()\r\n\treturn nil\r\n"), "{out:?}");
        assert!(!out.replace("\r\n", "").contains('\n'), "a bare LF was inserted: {out:?}");
    }

    #[test]
    fn fix_moves_a_late_defer_up() {
        let text = go(concat!(
            "\tresp, err := c.Do(req)\n\tif err != nil {\n\t\treturn err\n\t}\n",
            "\tif resp.StatusCode != 200 {\n\t\treturn nil\n\t}\n",
            "\tdefer resp.Body.Close()\n\treturn nil\n",
        ));
        let out = fixed(&text);
        assert_eq!(out.matches("defer resp.Body.Close()").count(), 1, "{out}");
        assert!(out.contains("\t}\n\tdefer resp.Body.Close()\n\tif resp.StatusCode"), "{out}");
    }

    #[test]
    fn no_fix_where_a_defer_would_be_wrong() {
        // The error is checked later: a defer right after the call would dereference nil.
        let later =
            go("\tresp, err := c.Do(req)\n\tprintln(1)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn nil\n");
        // In a loop the defer would hold every body until the function returns.
        let looped = go("\tfor {\n\t\tresp, err := c.Do(req)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\t_ = resp.StatusCode\n\t}\n");
        // A `var` declaration.
        let var = go("\tvar resp, err = c.Do(req)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn nil\n");
        for text in [later, looped, var] {
            let found = ours(&text);
            assert_eq!(found.len(), 1, "{text}");
            assert!(found[0].fixes.is_empty(), "{text}");
        }
    }

    #[test]
    fn related_points_at_leaking_exits() {
        let text = go(concat!(
            "\tresp, err := c.Do(req)\n\tif err != nil {\n\t\treturn err\n\t}\n",
            "\tif resp.StatusCode != 200 {\n\t\treturn nil\n\t}\n",
            "\tresp.Body.Close()\n\treturn nil\n",
        ));
        let found = ours(&text);
        assert_eq!(found.len(), 1);
        let related: Vec<_> = found[0].related.iter().map(|r| &text[r.range.clone()]).collect();
        assert_eq!(related, ["return nil"]);
        assert!(found[0].message.contains("not closed on every path"));
    }

    /// A variable declared inside a function literal of a package-level `var` is local to the
    /// literal: it says nothing about the package-level name it shares.
    #[test]
    fn a_function_literal_local_is_no_package_binding() {
        let text = |setup: &str| {
            format!(
                "package p\n\nimport \"net/http\"\n\n{setup}\n\nfunc fetch(u string) {{\n\tresp, err := client.Get(u)\n\
                 \tif err != nil {{\n\t\treturn\n\t}}\n\tprintln(resp.Proto)\n}}\n"
            )
        };
        assert_eq!(ours(&text("var client = &http.Client{}")).len(), 1, "a package-level client");
        let literal = text("var setup = func() {\n\tclient := &http.Client{}\n\t_ = client\n}");
        assert!(ours(&literal).is_empty(), "the literal's local taken for the package's client");
    }

    /// A syntax error that swallows several functions makes the root of the tree an ERROR node.
    /// The file's scope is still its package-level `var`s alone: walking the ERROR root took
    /// another function's local `client` for a binding of the package's.
    #[test]
    fn another_functions_local_is_no_package_binding_under_an_error_root() {
        let mut text = String::from(
            "package p\n\nimport (\n\t\"net/http\"\n\n\t\"github.com/go-resty/resty/v2\"\n)\n\n\
             var client = &http.Client{}\n\nfunc fetch(u string) {\n\
             \tresp, err := client.Get(u)\n\tif err != nil {\n\t\treturn\n\t}\n\tprintln(resp.Proto)\n}\n\n\
             func other() {\n\tclient := resty.New()\n\t_ = client\n}\n",
        );
        assert_eq!(ours(&text).len(), 1, "a package-level client");
        for i in 0..3 {
            text.push_str(&format!(
                "\nqfunc run{i}(logger *zap.Logger, msgs <-chan int) error {{\n\ttype Config struct{{ n int }}\n\
                 \tvar req Config\n\t_ = req\n\treturn nil\n}}\n"
            ));
        }
        assert_eq!(crate::analysis::parse(&text, None).root_node().kind(), "ERROR", "the root is no ERROR");
        assert_eq!(ours(&text).len(), 1, "another function's local taken for the package's client");
    }

    #[test]
    fn conditions_split_error_and_success_paths() {
        use resource::Effect::*;
        assert_eq!(effects("err != nil"), (Err, Keep));
        assert_eq!(effects("nil != err"), (Err, Keep));
        assert_eq!(effects("err == nil"), (Keep, Err));
        assert_eq!(effects("!(err == nil)"), (Err, Keep));
        assert_eq!(effects("resp == nil"), (Err, Keep));
        assert_eq!(effects("resp != nil && resp.Body != nil"), (Keep, Err));
        assert_eq!(effects("err != nil || resp == nil"), (Err, Keep));
        // A failed status with a good request leaves the body open in the `then` branch.
        assert_eq!(effects("err != nil || resp.StatusCode != 200"), (Keep, Keep));
        assert_eq!(effects("err == nil && resp.StatusCode == 200"), (Keep, Keep));
        assert_eq!(effects("err != nil && !retryable(err)"), (Err, Lost));
        assert_eq!(effects("failed(err)"), (Lost, Lost));
        assert_eq!(effects("ok"), (Keep, Keep));
    }
}
