use tree_sitter::Node;

use super::server_without_timeouts::{in_test_function, is_pkg_ref};
use super::{matches, Rule};
use crate::analysis::edits::{ensure_imports, merge_inserts, top_level_names};
use crate::analysis::go::{
    assigned_names, assignment_of, call_args, declaration_of, enclosing_function, is_pkg_call, is_type, method_call,
    outermost_function, unparen, visit_all, Declared,
};
use crate::analysis::handler::{scope_at, Carrier, Scope};
use crate::analysis::{Edit, Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "request-without-context",
    summary:
        "An HTTP request, query, dial or command that ignores the context in reach, so it outlives a cancelled request.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/request-without-context.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds calls that cannot be cancelled, made where a request-scoped context is in reach:

- `http.NewRequest`, and `http.Get`, `http.Head`, `http.Post`, `http.PostForm` and the same methods
  on an `*http.Client` (a parameter, variable or struct field declared as one, a variable set to
  `&http.Client{...}`, or `http.DefaultClient`);
- `Query`, `Exec`, `QueryRow`, `Prepare`, `Begin` and `Ping` on a database handle, and sqlx's
  `Select`, `Get`, `Queryx`, `QueryRowx`, `NamedExec`, `MustExec`, `Preparex`, `Beginx`, `MustBegin`.
  The receiver must be declared (parameter, variable, package variable or struct field of this
  file) as `*sql.DB`, `*sql.Tx`, `*sql.Stmt` or their sqlx counterparts, or be assigned from
  `sql.Open`, `sqlx.Open`/`Connect`, or a known handle's `Begin`/`Prepare`. A gin `c.Query("k")`,
  `r.URL.Query()`, a `url.Values` or any receiver of unknown type is never matched. (`*sql.Conn`
  only has context methods.)
- `net.Dial`, `net.DialTimeout` and `exec.Command`.

A context is in reach when the function, or one enclosing it, takes a `context.Context`, a
`*gin.Context`, an `echo.Context`, a `*fiber.Ctx`, an `*http.Request` beside an
`http.ResponseWriter`, or a type listed in `contextTypes`, and that parameter is not shadowed at
the call. Packages are resolved through the file's imports.

It stays quiet where passing the context would be wrong or is already done: tests and files that
import `testing`; calls in a `defer` (cleanup must run after cancellation), in a goroutine started
with `go` (fire-and-forget work that must outlive the request), in closures run by `once.Do`,
`sync.OnceFunc`/`OnceValue(s)` or singleflight (shared by many requests), or after the function
waited for `<-ctx.Done()`; and `req, err := http.NewRequest(...)` followed by `req.WithContext(...)`
or `req.Clone(...)` (also on a field the request was stored in), or handed to a call with the
context, a false alarm of noctx. It replaces noctx for these calls, and reports only
where a context is in reach; `client-without-timeout` reports the package-level `http.Get` family
where none is.

## Why it hurts under load

When a client disconnects or a deadline passes, the request's context is cancelled, and everything
started under it should stop. A call that ignores the context keeps going: an upstream call waits
for its whole response, a query runs to its end holding a pooled connection, a child process runs
to completion. Under load, cancelled requests are exactly the ones piling up (the service is slow,
clients time out and retry), so work for callers who have gone keeps goroutines, connections and
memory busy, the pool drains, the service slows further, and more clients give up and retry.

## Example

```go
func (h *Users) Get(c *gin.Context) {
	rows, err := h.db.Query("SELECT name FROM users WHERE id = $1", c.Param("id"))
	...
	req, err := http.NewRequest(http.MethodGet, h.profiles+"/"+c.Param("id"), nil)
	...
}
```

## Fix

Pass the context in reach to the call's context variant. The quick fix (`with-context`) rewrites
`http.NewRequest(...)` to `http.NewRequestWithContext(ctx, ...)`, `db.Query(...)` to
`db.QueryContext(ctx, ...)` (and `ExecContext`, `QueryRowContext`, `PrepareContext`,
`BeginTx(ctx, nil)`, `PingContext`, sqlx's `SelectContext`, `GetContext`, ...),
`exec.Command(...)` to `exec.CommandContext(ctx, ...)`, and `net.Dial(n, a)` to
`(&net.Dialer{}).DialContext(ctx, n, a)` (`DialTimeout` keeps its timeout in the dialer). `ctx` is
the context in reach: the parameter itself, `r.Context()`, `c.Request.Context()`,
`c.Request().Context()` or `c.UserContext()`.

`http.Get` and its siblings have no context variant. For the plain statement
`resp, err := http.Get(u)` (or a client's `Get`, `Head`, `Post`, `PostForm`) the fix builds the
request and keeps the error flow as it was:

```go
var resp *http.Response
req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
if err == nil {
	resp, err = http.DefaultClient.Do(req)
}
```

Any other shape (the call inside an expression, `resp` declared earlier, `req` already used, a
discarded error) gets no fix.

## What it cannot see

- Receivers whose type is declared in another file or package (a field of a struct declared
  elsewhere, a handle returned by a helper), wrappers such as gorm, pgx or ent, and interfaces.
- Contexts that are not parameters: a context stored in a struct, or one built from
  `context.Background()` (`detached-context` reports that one).
- Calls in a goroutine started with `go`, even when the goroutine is waited for.
- A request handed to a call together with the context (`send(ctx, client, req)`) is taken as
  joined with it by the callee, which the rule cannot read.
- `exec.CommandContext` kills the process when the context ends; where a command must finish
  regardless, suppress the finding with a reason.
"#;

/// What a matched call is, and so which fix applies.
enum Call<'t> {
    /// Rename the callee and pass the context: `NewRequest` to `NewRequestWithContext(ctx, ...)`.
    /// `extra` replaces empty arguments (`Begin()` to `BeginTx(ctx, nil)`).
    Rename { name: Node<'t>, new_name: &'static str, extra: &'static str, what: &'static str },
    /// `http.Get(u)` and friends, on `client` (`http.DefaultClient` for the package functions).
    Http { method: &'t str, client: String },
    /// `net.Dial(n, a)` and `net.DialTimeout(n, a, t)`.
    Dial { net: &'t str },
}

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    if src.file.is_test || src.import_name("testing").is_some() {
        return;
    }
    // The file's top-level names, for the fixes' fresh names: computed once per check, as a scan
    // of the whole file per finding made a file of thousands of findings quadratic.
    let top = TopNames::new();
    for m in matches(src, RULE.id) {
        let found = if let (Some(call), Some(pkg), Some(func)) = (m.get("pkg.call"), m.get("pkg.name"), m.get("pkg.fn"))
        {
            package_call(src, call, pkg, func).map(|c| (call, c))
        } else if let (Some(call), Some(recv), Some(name)) =
            (m.get("method.call"), m.get("method.recv"), m.get("method.name"))
        {
            method_call_kind(src, call, recv, name).map(|c| (call, c))
        } else {
            None
        };
        let Some((call, kind)) = found else { continue };
        let Some(scope) = scope_at(src, call, &config.context_types) else { continue };
        if in_test_function(src, call)
            || !usable(src, call, &scope)
            || detached_on_purpose(src, call, &scope)
            || after_done(src, call, &scope)
            || (matches!(kind, Call::Rename { new_name: "NewRequestWithContext", .. })
                && context_added_later(src, call, &scope))
        {
            continue;
        }
        out.push(finding(src, call, &kind, &scope, &top));
    }
}

// ---- Which calls ----

fn package_call<'t>(src: &Source<'t>, call: Node<'t>, pkg: Node<'t>, func: Node<'t>) -> Option<Call<'t>> {
    let n = call_args(call).len();
    let fname = src.text_of(func);
    let pkg_name = src.text_of(pkg);
    let kind = if src.is_package(pkg_name, "net/http") {
        match (fname, n) {
            ("NewRequest", 3) => {
                Call::Rename { name: func, new_name: "NewRequestWithContext", extra: "", what: "HTTP request" }
            }
            ("Get" | "Head", 1) | ("Post", 3) | ("PostForm", 2) => {
                Call::Http { method: fname, client: format!("{pkg_name}.DefaultClient") }
            }
            _ => return None,
        }
    } else if src.is_package(pkg_name, "net") {
        match (fname, n) {
            ("Dial", 2) | ("DialTimeout", 3) => Call::Dial { net: pkg_name },
            _ => return None,
        }
    } else if src.is_package(pkg_name, "os/exec") && fname == "Command" && n >= 1 {
        Call::Rename { name: func, new_name: "CommandContext", extra: "", what: "command" }
    } else {
        return None;
    };
    is_pkg_ref(src, call, pkg, pkg_name_path(src, pkg_name)?).then_some(kind)
}

fn pkg_name_path(src: &Source<'_>, name: &str) -> Option<&'static str> {
    ["net/http", "net", "os/exec"].into_iter().find(|p| src.is_package(name, p))
}

fn method_call_kind<'t>(src: &Source<'t>, call: Node<'t>, recv: Node<'t>, name: Node<'t>) -> Option<Call<'t>> {
    let recv = unparen(recv);
    // `http.Get(u)` is a package function, handled above; other packages' functions are not ours.
    if recv.kind() == "identifier" && declaration_of(src, call, src.text_of(recv)).is_none() {
        return None;
    }
    let method = src.text_of(name);
    let n = call_args(call).len();
    if matches!((method, n), ("Get" | "Head", 1) | ("Post", 3) | ("PostForm", 2)) && is_http_client(src, recv, call) {
        return Some(Call::Http { method, client: src.text_of(recv).to_string() });
    }
    let db = db_kind(src, recv, call, 0)?;
    let (new_name, extra) = context_variant(db, method)?;
    // `Begin()` and `Ping()` take no arguments; the others a query, except a statement's, which
    // takes only the query's arguments.
    let arity_ok = if !extra.is_empty() || method == "Ping" { n == 0 } else { n >= 1 || db.handle == Handle::Stmt };
    if !arity_ok {
        return None;
    }
    Some(Call::Rename { name, new_name, extra, what: "query" })
}

/// A database handle's kind, and whether it is sqlx's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Handle {
    Db,
    Tx,
    Stmt,
}

#[derive(Clone, Copy, Debug)]
struct Db {
    handle: Handle,
    sqlx: bool,
}

const SQL: &str = "database/sql";
const SQLX: &str = "github.com/jmoiron/sqlx";

/// The context variant of a database method on a handle of that kind: its name, and the arguments
/// that replace an empty argument list.
fn context_variant(db: Db, method: &str) -> Option<(&'static str, &'static str)> {
    let common = match method {
        "Query" => Some("QueryContext"),
        "Exec" => Some("ExecContext"),
        "QueryRow" => Some("QueryRowContext"),
        _ => None,
    };
    if let Some(n) = common {
        return Some((n, ""));
    }
    let sqlx_common = match method {
        "Select" => Some("SelectContext"),
        "Get" => Some("GetContext"),
        "Queryx" => Some("QueryxContext"),
        "QueryRowx" => Some("QueryRowxContext"),
        "MustExec" => Some("MustExecContext"),
        _ => None,
    };
    if db.sqlx {
        if let Some(n) = sqlx_common {
            return Some((n, ""));
        }
    }
    match (db.handle, method, db.sqlx) {
        (Handle::Db | Handle::Tx, "Prepare", _) => Some(("PrepareContext", "")),
        (Handle::Db | Handle::Tx, "Preparex", true) => Some(("PreparexContext", "")),
        (Handle::Db, "NamedExec", true) | (Handle::Tx, "NamedExec", true) => Some(("NamedExecContext", "")),
        (Handle::Db, "Begin", _) => Some(("BeginTx", "nil")),
        (Handle::Db, "Beginx", true) => Some(("BeginTxx", "nil")),
        (Handle::Db, "MustBegin", true) => Some(("MustBeginTx", "nil")),
        (Handle::Db, "Ping", _) => Some(("PingContext", "")),
        _ => None,
    }
}

fn handle_type(src: &Source<'_>, ty: Node<'_>) -> Option<Db> {
    for (name, handle) in [("DB", Handle::Db), ("Tx", Handle::Tx), ("Stmt", Handle::Stmt)] {
        for (path, sqlx) in [(SQL, false), (SQLX, true)] {
            if is_type(src, ty, path, name, true) {
                return Some(Db { handle, sqlx });
            }
        }
    }
    None
}

/// How deep `db_kind` follows handles derived from handles (`tx, _ := db.Begin()`).
const MAX_HOPS: usize = 4;

/// Recognises a database handle by its declaration: a typed parameter, variable or struct field,
/// or a variable assigned from `sql.Open`, `sqlx.Connect`, or a handle's `Begin`/`Prepare`.
fn db_kind<'t>(src: &Source<'t>, expr: Node<'_>, at: Node<'_>, hops: usize) -> Option<Db> {
    if hops > MAX_HOPS {
        return None;
    }
    let expr = unparen(expr);
    match expr.kind() {
        "identifier" => match declaration_of(src, at, src.text_of(expr))? {
            Declared::Param(p) => handle_type(src, p.ty),
            Declared::Var { stmt, ty, value } => {
                if let Some(t) = ty {
                    return handle_type(src, t);
                }
                let value = value.or_else(|| first_value_of_pair(src, stmt, expr))?;
                db_value(src, value, hops)
            }
            Declared::Other(_) => None,
        },
        "selector_expression" => {
            let field = src.text_of(expr.child_by_field_name("field")?);
            let mut kinds = src.field_types(field).into_iter().map(|t| handle_type(src, t));
            let first = kinds.next()??;
            kinds.all(|k| k.is_some_and(|k| k.handle == first.handle && k.sqlx == first.sqlx)).then_some(first)
        }
        _ => None,
    }
}

/// For `x, err := call()`, the call when `name` is `x`: a declaration of two names from one call
/// gives the call's first result to the first name.
fn first_value_of_pair<'t>(src: &Source<'_>, stmt: Node<'t>, name: Node<'_>) -> Option<Node<'t>> {
    let names = assigned_names(stmt);
    let right = stmt.child_by_field_name(if stmt.kind() == "var_spec" { "value" } else { "right" })?;
    let mut cursor = right.walk();
    let values: Vec<Node<'t>> = right.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect();
    (names.len() == 2 && values.len() == 1 && src.text_of(names[0]) == src.text_of(name))
        .then(|| unparen(values[0]))
        .filter(|v| v.kind() == "call_expression")
}

fn db_value<'t>(src: &Source<'t>, value: Node<'_>, hops: usize) -> Option<Db> {
    let value = unparen(value);
    if is_pkg_call(src, value, SQL, &["Open", "OpenDB"]) {
        return Some(Db { handle: Handle::Db, sqlx: false });
    }
    if is_pkg_call(src, value, SQLX, &["Open", "Connect", "MustOpen", "MustConnect", "NewDb", "ConnectContext"]) {
        return Some(Db { handle: Handle::Db, sqlx: true });
    }
    let (recv, method) = method_call(src, value)?;
    let from = db_kind(src, recv, value, hops + 1)?;
    match method {
        "Begin" | "BeginTx" | "Beginx" | "BeginTxx" | "MustBegin" | "MustBeginTx" if from.handle == Handle::Db => {
            Some(Db { handle: Handle::Tx, sqlx: matches!(method, "Beginx" | "BeginTxx" | "MustBegin" | "MustBeginTx") })
        }
        "Prepare" | "PrepareContext" if from.handle != Handle::Stmt => Some(Db { handle: Handle::Stmt, sqlx: false }),
        "Preparex" | "PreparexContext" if from.handle != Handle::Stmt => Some(Db { handle: Handle::Stmt, sqlx: true }),
        _ => None,
    }
}

/// Whether the receiver is an `*http.Client`: `http.DefaultClient`, or declared or built as one.
fn is_http_client<'t>(src: &Source<'t>, recv: Node<'_>, at: Node<'_>) -> bool {
    let client_type =
        |ty: Node<'_>| is_type(src, ty, "net/http", "Client", true) || is_type(src, ty, "net/http", "Client", false);
    match recv.kind() {
        "selector_expression" => {
            let (Some(op), Some(field)) = (recv.child_by_field_name("operand"), recv.child_by_field_name("field"))
            else {
                return false;
            };
            let field = src.text_of(field);
            if op.kind() == "identifier" && field == "DefaultClient" && src.is_package(src.text_of(op), "net/http") {
                return declaration_of(src, at, src.text_of(op)).is_none();
            }
            let types = src.field_types(field);
            !types.is_empty() && types.into_iter().all(client_type)
        }
        "identifier" => match declaration_of(src, at, src.text_of(recv)) {
            Some(Declared::Param(p)) => client_type(p.ty),
            Some(Declared::Var { ty: Some(t), .. }) => client_type(t),
            Some(Declared::Var { value: Some(v), .. }) => {
                let mut v = unparen(v);
                if v.kind() == "unary_expression" {
                    v = v.child_by_field_name("operand").map_or(v, unparen);
                }
                (v.kind() == "composite_literal" && v.child_by_field_name("type").is_some_and(client_type))
                    || (v.kind() == "selector_expression" && is_http_client(src, v, at))
            }
            _ => false,
        },
        _ => false,
    }
}

// ---- Is the context usable here, and wanted? ----

/// Whether the scope's parameter still means the request at `call`: not shadowed by a closure
/// parameter or an unrelated variable. A variable derived from it (`ctx, cancel :=
/// context.WithTimeout(ctx, d)`) is the better context and counts.
fn usable(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>) -> bool {
    let name = src.text_of(scope.param);
    match declaration_of(src, call, name) {
        Some(Declared::Param(p)) => p.name.id() == scope.param.id(),
        Some(Declared::Var { stmt, .. }) => {
            matches!(scope.carrier, Carrier::Context | Carrier::Custom)
                && stmt.kind() == "short_var_declaration"
                && stmt.child_by_field_name("right").is_some_and(|right| {
                    let mut derived = false;
                    visit_all(right, |n| derived |= n.kind() == "identifier" && src.text_of(n) == name);
                    derived
                })
        }
        _ => false,
    }
}

/// Whether the call is meant to run on after the request: in a `defer` (cleanup), in a goroutine
/// started with `go`, or in work shared by many requests (`once.Do`, `sync.OnceFunc`, singleflight).
fn detached_on_purpose(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>) -> bool {
    let mut cur = call.parent();
    while let Some(n) = cur {
        if n.id() == scope.func.id() {
            return false;
        }
        match n.kind() {
            "defer_statement" | "go_statement" => return true,
            "func_literal" => {
                let runner = n.parent().filter(|a| a.kind() == "argument_list").and_then(|a| a.parent());
                if runner.is_some_and(|r| {
                    matches!(method_call(src, r), Some((_, "Do" | "DoChan")))
                        || is_pkg_call(src, r, "sync", &["OnceFunc", "OnceValue", "OnceValues"])
                }) {
                    return true;
                }
            }
            _ => {}
        }
        cur = n.parent();
    }
    false
}

/// Whether the function waited for its context to end (`<-ctx.Done()`) before `call`: the context
/// is cancelled by then, and the call is shutdown work that needs to run anyway.
fn after_done(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>) -> bool {
    let name = src.text_of(scope.param);
    let mut found = false;
    visit_all(scope.func, |n| {
        if found || n.kind() != "unary_expression" || n.end_byte() > call.start_byte() {
            return;
        }
        let receive = n.child_by_field_name("operator").is_some_and(|o| o.kind() == "<-");
        found = receive
            && n.child_by_field_name("operand").map(unparen).and_then(|o| method_call(src, o)).is_some_and(
                |(recv, method)| {
                    let recv = src.text_of(unparen(recv));
                    method == "Done" && (recv == name || recv == scope.context_expr)
                },
            );
    });
    found
}

/// Whether the request built by `http.NewRequest` gets its context afterwards:
/// `req.WithContext(ctx)` or `req.Clone(ctx)` later in the function, also on a variable or field
/// the request was stored in (`s.req = req` then `s.req.WithContext(ctx)`, the request built once
/// and reused), or `req` handed to a call together with the context (`send(ctx, client, req)`),
/// whose callee is trusted to join them.
fn context_added_later(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>) -> bool {
    let Some(stmt) = assignment_of(call) else { return false };
    let Some(req) = assigned_names(stmt).into_iter().next().filter(|n| n.kind() == "identifier") else {
        return false;
    };
    let req = src.text_of(req);
    let Some(func) = enclosing_function(call) else { return false };
    // The names the request is known by: its variable, and what it is copied into.
    let mut names = vec![req.to_string()];
    visit_all(func, |n| {
        if n.start_byte() > call.end_byte() && n.kind() == "assignment_statement" {
            let (Some(left), Some(right)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
                return;
            };
            if left.named_child_count() == 1
                && right
                    .named_child(0)
                    .is_some_and(|r| right.named_child_count() == 1 && src.text_of(unparen(r)) == req)
            {
                if let Some(target) = left.named_child(0) {
                    names.push(src.text_of(target).to_string());
                }
            }
        }
    });
    let context_name = src.text_of(scope.param);
    let mut found = false;
    visit_all(func, |n| {
        if found || n.start_byte() <= call.end_byte() || n.kind() != "call_expression" {
            return;
        }
        found = method_call(src, n).is_some_and(|(recv, method)| {
            matches!(method, "WithContext" | "Clone") && names.iter().any(|r| r == src.text_of(unparen(recv)))
        }) || {
            let args = call_args(n);
            args.iter().any(|a| src.text_of(unparen(*a)) == req)
                && args.iter().any(|a| {
                    let a = src.text_of(unparen(*a));
                    a == scope.context_expr || a == context_name
                })
        };
    });
    found
}

// ---- Findings and fixes ----

/// The names declared at file level, computed on first use.
type TopNames<'a> = std::cell::OnceCell<crate::analysis::edits::TopLevelNames<'a>>;

fn finding<'a>(src: &Source<'a>, call: Node<'_>, kind: &Call<'_>, scope: &Scope<'_>, top: &TopNames<'a>) -> Finding {
    let callee = call.child_by_field_name("function").map_or("", |f| src.text_of(f));
    let ctx = &scope.context_expr;
    let (what, holds) = match kind {
        Call::Rename { what, .. } if *what == "query" => ("query", "a pooled connection"),
        Call::Rename { what, .. } if *what == "command" => ("command", "a child process"),
        Call::Rename { .. } | Call::Http { .. } => ("HTTP request", "a connection and its buffers"),
        Call::Dial { .. } => ("dial", "a socket"),
    };
    let fix = match kind {
        Call::Rename { name, new_name, extra, .. } => rename_fix(src, call, *name, new_name, extra, ctx),
        Call::Http { method, client } => http_fix(src, call, method, client, ctx, top),
        Call::Dial { net } => dial_fix(src, call, net, ctx),
    };
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message: format!(
            "`{callee}` ignores the request's context (`{ctx}` is in reach): when the caller gives up, the {what} \
             runs on, holding its goroutine and {holds}, so under load cancelled requests keep piling up work"
        ),
        range: call.byte_range(),
        related: Vec::new(),
        fixes: fix.into_iter().collect(),
    }
}

fn with_context(title: String, edits: Vec<Edit>) -> Fix {
    Fix { id: "with-context", title, edits: merge_inserts(edits), preferred: true }
}

/// `x.Method(args)` to `x.MethodContext(ctx, args)`, or `Begin()` to `BeginTx(ctx, nil)`.
fn rename_fix(src: &Source<'_>, call: Node<'_>, name: Node<'_>, new_name: &str, extra: &str, ctx: &str) -> Option<Fix> {
    let args = call.child_by_field_name("arguments")?;
    let mut edits = vec![Edit::replace(name.byte_range(), new_name)];
    if !extra.is_empty() {
        edits.push(Edit::replace(args.byte_range(), format!("({ctx}, {extra})")));
    } else if call_args(call).is_empty() {
        edits.push(Edit::replace(args.byte_range(), format!("({ctx})")));
    } else {
        edits.push(Edit::insert(args.start_byte() + 1, format!("{ctx}, ")));
        if let [only] = call_args(call).as_slice() {
            if let Some(compact) = compact_arg(src, *only) {
                edits.push(Edit::replace(only.byte_range(), compact));
            }
        }
    }
    Some(with_context(format!("Use `{new_name}` with `{ctx}`"), edits))
}

/// `net.Dial(n, a)` to `(&net.Dialer{}).DialContext(ctx, n, a)`, keeping `DialTimeout`'s timeout.
fn dial_fix(src: &Source<'_>, call: Node<'_>, net: &str, ctx: &str) -> Option<Fix> {
    let args: Vec<&str> = call_args(call).into_iter().map(|a| src.text_of(a)).collect();
    let dialer = match args.as_slice() {
        [_, _] => format!("&{net}.Dialer{{}}"),
        [_, _, timeout] => format!("&{net}.Dialer{{Timeout: {timeout}}}"),
        _ => return None,
    };
    let text = format!("({dialer}).DialContext({ctx}, {}, {})", args[0], args[1]);
    Some(with_context(
        format!("Dial with `{ctx}` (`net.Dialer.DialContext`)"),
        vec![Edit::replace(call.byte_range(), text)],
    ))
}

/// For the statement `resp, err := http.Get(u)` (or a client's method), a request built with the
/// context and sent with `Do`, keeping the error flow:
///
/// ```go
/// var resp *http.Response
/// req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
/// if err == nil {
///     resp, err = http.DefaultClient.Do(req)
/// }
/// ```
fn http_fix<'a>(
    src: &Source<'a>,
    call: Node<'_>,
    method: &str,
    client: &str,
    ctx: &str,
    top: &TopNames<'a>,
) -> Option<Fix> {
    let stmt = assignment_of(call).filter(|s| s.kind() == "short_var_declaration")?;
    if stmt.parent()?.kind() != "statement_list"
        || !src.text[src.line_start(stmt.start_byte())..stmt.start_byte()].trim().is_empty()
    {
        return None;
    }
    let names = assigned_names(stmt);
    let right = stmt.child_by_field_name("right")?;
    let [resp, err] = names.as_slice() else { return None };
    let (resp, err) = (src.text_of(*resp), src.text_of(*err));
    if right.named_child_count() != 1 || resp == "_" || err == "_" || resp == err {
        return None;
    }
    // `var resp` must not clash with a `resp` declared before (the `:=` may have reused it).
    if declaration_of(src, stmt, resp).is_some() {
        return None;
    }
    let req = fresh_name(src, call, top)?;
    let mut edits = Vec::new();
    let mut paths = vec!["net/http"];
    if method == "PostForm" {
        paths.push("strings");
    }
    let (names, imports) = ensure_imports(src, &paths)?;
    edits.extend(imports);
    let http = &names[0];
    let args: Vec<&str> = call_args(call).into_iter().map(|a| src.text_of(a)).collect();
    // A lone argument becomes one of several, which gofmt lays out more tightly.
    let lone = call_args(call).first().and_then(|a| compact_arg(src, *a)).unwrap_or_default();
    let (verb, url, body, content_type) = match (method, args.as_slice()) {
        ("Get", [u]) => ("MethodGet", if lone.is_empty() { *u } else { lone.as_str() }, "nil".to_string(), None),
        ("Head", [u]) => ("MethodHead", if lone.is_empty() { *u } else { lone.as_str() }, "nil".to_string(), None),
        ("Post", [u, ct, b]) => ("MethodPost", *u, b.to_string(), Some(ct.to_string())),
        ("PostForm", [u, data]) => (
            "MethodPost",
            *u,
            format!("{}.NewReader({data}.Encode())", names[1]),
            Some("\"application/x-www-form-urlencoded\"".to_string()),
        ),
        _ => return None,
    };
    if args.iter().any(|a| a.contains('\n')) {
        return None;
    }
    let nl = src.newline();
    let indent = src.indent_at(stmt.start_byte());
    // A comment after the statement describes the call: it stays with the line that replaces it.
    let line_end = src.line_end_inclusive(stmt.end_byte());
    let rest = src.text[stmt.end_byte()..line_end].trim_end_matches(['\n', '\r']);
    let (end, comment) = match rest.trim() {
        "" => (stmt.end_byte(), String::new()),
        c if c.starts_with("//") => (stmt.end_byte() + rest.len(), format!(" {c}")),
        _ => return None,
    };
    let mut text = format!("var {resp} *{http}.Response{nl}");
    text.push_str(&format!(
        "{indent}{req}, {err} := {http}.NewRequestWithContext({ctx}, {http}.{verb}, {url}, {body}){comment}{nl}"
    ));
    text.push_str(&format!("{indent}if {err} == nil {{{nl}"));
    if let Some(ct) = content_type {
        text.push_str(&format!("{indent}\t{req}.Header.Set(\"Content-Type\", {ct}){nl}"));
    }
    text.push_str(&format!("{indent}\t{resp}, {err} = {client}.Do({req}){nl}{indent}}}"));
    edits.push(Edit::replace(stmt.start_byte()..end, text));
    Some(with_context(
        format!("Build the request with `{http}.NewRequestWithContext({ctx}, …)` and send it with `Do`"),
        edits,
    ))
}

/// How gofmt writes a binary expression that was a call's only argument once the call has several:
/// without blanks around `+`, `-`, `*`, `/` and the other operators of precedence 4 and 5
/// (`"u/"+id`). Only simple two-operand expressions are rewritten; `None` leaves the text as is.
fn compact_arg(src: &Source<'_>, arg: Node<'_>) -> Option<String> {
    if arg.kind() != "binary_expression" {
        return None;
    }
    let (left, op, right) =
        (arg.child_by_field_name("left")?, arg.child_by_field_name("operator")?, arg.child_by_field_name("right")?);
    let simple = |n: Node<'_>| !matches!(n.kind(), "binary_expression" | "unary_expression");
    let tight = matches!(src.text_of(op), "+" | "-" | "|" | "^" | "*" | "/" | "%" | "<<" | ">>" | "&" | "&^");
    (tight && simple(left) && simple(right))
        .then(|| format!("{}{}{}", src.text_of(left), src.text_of(op), src.text_of(right)))
}

/// A name for the request that no identifier of the function or the file's top level uses.
fn fresh_name<'a>(src: &Source<'a>, call: Node<'_>, top: &TopNames<'a>) -> Option<String> {
    let func = outermost_function(call)?;
    let mut used = Vec::new();
    visit_all(func, |n| {
        if n.kind() == "identifier" {
            used.push(src.text_of(n));
        }
    });
    ["req", "request", "httpReq"].into_iter().map(str::to_string).chain((2..20).map(|i| format!("req{i}"))).find(
        |name| {
            !used.contains(&name.as_str()) && !top.get_or_init(|| top_level_names(src)).contains(name.as_str(), call)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fix::apply_edits;
    use crate::analysis::{analyze_text, parse};

    fn findings(text: &str) -> Vec<Finding> {
        analyze_text(text, &Config::default()).into_iter().filter(|f| f.rule == RULE.id).collect()
    }

    #[test]
    fn package_get_is_rebuilt_on_the_default_client() {
        let text = "package a\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc f(ctx context.Context, u string) error {\n\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn resp.Body.Close()\n}\n";
        let found = findings(text);
        assert_eq!(found.len(), 1, "{found:?}");
        let out = apply_edits(text, &found[0].fixes[0].edits).unwrap();
        assert!(!parse(&out, None).root_node().has_error(), "{out}");
        assert!(
            out.contains("\tvar resp *http.Response\n\treq, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)\n\tif err == nil {\n\t\tresp, err = http.DefaultClient.Do(req)\n\t}\n\tif err != nil {"),
            "{out}"
        );
        assert!(findings(&out).is_empty(), "{out}");
    }

    #[test]
    fn no_request_fix_for_other_shapes() {
        let text = "package a\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc f(ctx context.Context, u string) (*http.Response, error) {\n\treturn http.Get(u)\n}\n\nfunc g(ctx context.Context, req string) {\n\tresp, err := http.Get(req)\n\t_, _ = resp, err\n}\n";
        let found = findings(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].fixes.is_empty());
        // `req` is taken, so the request gets another name.
        let out = apply_edits(text, &found[1].fixes[0].edits).unwrap();
        assert!(out.contains("request, err := http.NewRequestWithContext(ctx, http.MethodGet, req, nil)"), "{out}");
    }
}
