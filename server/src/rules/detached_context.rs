use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    assigned_names, assignment_of, call_args, enclosing_function, is_pkg_call, method_call, outermost_function,
    param_binding, params, snippet, unparen, visit_all,
};
use crate::analysis::handler::{is_entry_or_test, scope_at, Carrier, Scope};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "detached-context",
    summary: "`context.Background()` or `context.TODO()` where a request's context is in reach, so the work outlives the request.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/detached-context.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds `context.Background()` and `context.TODO()` in a function that already has a request-scoped
context in reach, when the new root context is used:

- as the parent of `context.WithTimeout`, `WithCancel`, `WithDeadline`, `WithValue` (any call
  argument, in fact: `errgroup.WithContext(context.Background())`, `db.QueryContext(context.TODO(), q)`);
- or as the value of a new variable (`ctx := context.Background()`).

A request-scoped context is in reach when the function, or a function enclosing it (closures and
goroutines started in a handler count), takes a `*gin.Context`, an `echo.Context`, a `*fiber.Ctx`,
a `context.Context`, an `*http.Request` next to an `http.ResponseWriter`, or a type listed in the
`contextTypes` setting (for a team's own `api.Context`). The parameter must have a usable name: a
parameter named `_`, or a name shadowed at that point by a closure parameter or a variable of an
inner block, does not count.

It stays quiet where a fresh root context is right:

- `main`, `init`, tests, benchmarks, and files that are tests or import `testing`;
- package-level variables and functions with no request or context parameter, such as
  `srv.Shutdown(ctx)` in setup code;
- cleanup that must run even when the request is cancelled: a call inside a `defer`, a context
  passed straight to `Shutdown`, `Close`, `Stop`, `Rollback`, `Release`, `Unlock`, `Disconnect`,
  `Unsubscribe`, `Cleanup` or `GracefulStop`, or a derived variable used only by such calls
  (`tx.Rollback(context.Background())`);
- work shared by many requests: a closure given to `once.Do`, `sync.OnceFunc`, `sync.OnceValue(s)`
  or singleflight's `Do`/`DoChan`, which must not fail because the request that happened to start
  it went away;
- code that runs after the function waited for its own context to end (`<-ctx.Done()` earlier in
  the function): that context is already cancelled, so a graceful shutdown needs a fresh one;
- constructors and lifecycle functions whose `context.Context` is not a request: functions and
  methods named `New…`, `Must…`, `Register…`, `Setup…`, `Init…`, `Start`, `Run`, `Serve`,
  `Listen`, `ListenAndServe`, `Stop`, `Shutdown` or `Close`. Their background loops are meant to
  outlive the context they were given. Handlers (gin, echo, fiber, net/http) are never exempt.
- `context.WithoutCancel(ctx)`, the explicit way to detach on purpose, is never reported.

## Why it hurts under load

A context made from `context.Background()` is not cancelled when the client disconnects, when the
request's own deadline passes, or when the handler returns. The work under it (queries, upstream
calls, the goroutines that wait for them) runs to its own end or its own timeout, for nobody. At a
few requests per second that is invisible. At hundreds, cancelled requests keep adding goroutines,
buffers and connections faster than the timeouts retire them, so memory and CPU grow with the
traffic that has already left, processing slows down, and even more requests are in flight at once.
In the incident behind gohazard, `context.WithTimeout(context.Background(), 15*time.Second)` in a
service method called from a gin handler, in 4 goroutines per request run twice by a double
`Next()`, kept up to 8 goroutines per request alive for 15 s after callers had given up, and fed
the out-of-memory loop.

## Example

```go
func (h *Users) GetUser(c *gin.Context) {
	for _, section := range sections {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			results <- h.fetch(ctx, section)
		}()
	}
	// ...
}
```

## Fix

Derive from the request's context. The preferred quick fix replaces the call with the context in
reach: `ctx`, `r.Context()`, `c.Request.Context()` (gin), `c.Request().Context()` (echo) or
`c.UserContext()` (fiber):

```go
ctx, cancel := context.WithTimeout(c.Request.Context(), 15*time.Second)
```

The work then stops as soon as the request does, and a timeout shorter than the request's own
keeps working as before.

When the work must really outlive the request (an audit record written after the response, a
cache warmed for the next caller), say so with `context.WithoutCancel(ctx)` (Go 1.21): it keeps
the request's values (trace ids, auth) without its cancellation. The second quick fix writes that;
it is offered when the module's Go version is 1.21 or newer, or unknown. Bound such work (a timeout
and a limit on how many run at once), since nothing else will. Otherwise suppress the finding with
`//gohazard:ignore detached-context <reason>`. A prose comment such as `// detached on purpose` is
deliberately not enough: comments next to these lines describe the hazard as often as they justify
it, and the directive names the rule and is easy to find again.

## What it cannot see

- Detachment one call away: a helper that calls `context.Background()` itself, invoked from a
  handler, is only reported if the helper takes a context or request of its own.
- Contexts that travel another way: a struct field, a global, a `context.Context` stored on the
  receiver.
- Whether a goroutine is meant to outlive the handler. With gin, echo and fiber, the context object
  is reused after the handler returns: in a goroutine that may run after the response, capture
  `ctx := c.Request.Context()` before the `go` statement rather than reading `c` inside it.
- Parameters whose type is spelled through an alias or a dot import, and request types other
  than the ones listed (add them to `contextTypes`).
- Which functions are lifecycle or constructors is guessed from their names.
"#;

/// How the fresh root context is used.
#[derive(Clone, Copy)]
enum Usage<'t> {
    /// An argument of `callee` (a call expression).
    Argument { callee: Node<'t> },
    /// The value of a new variable declared by `stmt`, named `name`.
    Variable { stmt: Node<'t>, name: Node<'t> },
}

/// The `context` functions that derive a child from a parent given as their first argument.
const DERIVERS: &[&str] = &[
    "WithTimeout",
    "WithTimeoutCause",
    "WithCancel",
    "WithCancelCause",
    "WithDeadline",
    "WithDeadlineCause",
    "WithValue",
];

/// Calls that release or stop something; they must run even when the request is cancelled, so a
/// fresh context for them is right. Compared case-insensitively with the method or function name.
const CLEANUP: &[&str] = &[
    "shutdown",
    "close",
    "stop",
    "rollback",
    "release",
    "unlock",
    "disconnect",
    "unsubscribe",
    "cleanup",
    "gracefulstop",
];

/// Name prefixes (followed by an upper-case letter, a digit, `_` or nothing) of constructors and
/// registration functions, whose context parameter is not a request.
const LIFECYCLE_PREFIXES: &[&str] =
    &["New", "new", "Must", "must", "Register", "register", "Setup", "setup", "Init", "init"];

/// Exact names of lifecycle functions and methods whose context is the program's, not a request's.
const LIFECYCLE_NAMES: &[&str] = &[
    "Start",
    "start",
    "Run",
    "run",
    "Serve",
    "serve",
    "Listen",
    "ListenAndServe",
    "Stop",
    "stop",
    "Shutdown",
    "shutdown",
    "Close",
    "close",
];

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    // Tests and their helpers build contexts for handlers they call themselves.
    if src.file.is_test || src.import_name("testing").is_some() {
        return;
    }
    for m in matches(src, RULE.id) {
        let (Some(call), Some(pkg), Some(args)) = (m.get("root.call"), m.get("root.pkg"), m.get("root.args")) else {
            continue;
        };
        let pkg_name = src.text_of(pkg);
        // A parameter named `context` hides the package.
        if args.named_child_count() != 0
            || !src.is_package(pkg_name, "context")
            || param_binding(src, call, pkg_name).is_some()
        {
            continue;
        }
        let Some(usage) = usage_of(call) else { continue };
        let Some(scope) = scope_at(src, call, &config.context_types) else { continue };
        if in_test_function(src, call)
            || is_lifecycle(src, &scope)
            || shadowed(src, call, &scope)
            || after_done(src, call, &scope)
            || shared_work(src, call, &scope)
            || is_cleanup(src, call, &scope, usage)
        {
            continue;
        }
        out.push(finding(src, call, pkg_name, &scope, usage));
    }
}

/// How `call` is used, when it is one of the uses the rule judges.
fn usage_of(call: Node<'_>) -> Option<Usage<'_>> {
    let parent = call.parent()?;
    match parent.kind() {
        "argument_list" => {
            let callee = parent.parent().filter(|c| c.kind() == "call_expression")?;
            Some(Usage::Argument { callee })
        }
        "expression_list" => {
            // Only declarations of new variables: `ctx = context.Background()` is the nil guard
            // `if ctx == nil { ctx = context.Background() }` more often than not.
            let stmt = assignment_of(call).filter(|s| matches!(s.kind(), "short_var_declaration" | "var_spec"))?;
            let mut cursor = parent.walk();
            let idx = parent.named_children(&mut cursor).position(|n| n.id() == call.id())?;
            let name = *assigned_names(stmt).get(idx)?;
            (name.kind() == "identifier").then_some(Usage::Variable { stmt, name })
        }
        _ => None,
    }
}

/// Whether the call sits in a test, benchmark, fuzz or example function (handlers defined inside
/// `main` or `init` are still handlers).
fn in_test_function(src: &Source<'_>, call: Node<'_>) -> bool {
    outermost_function(call).is_some_and(|f| {
        let name = f.child_by_field_name("name").map_or("", |n| src.text_of(n));
        is_entry_or_test(src, f) && !matches!(name, "main" | "init")
    })
}

/// Whether the scope is a plain context parameter of a constructor or lifecycle function.
fn is_lifecycle(src: &Source<'_>, scope: &Scope<'_>) -> bool {
    if !matches!(scope.carrier, Carrier::Context | Carrier::Custom)
        || !matches!(scope.func.kind(), "function_declaration" | "method_declaration")
    {
        return false;
    }
    let name = scope.func.child_by_field_name("name").map_or("", |n| src.text_of(n));
    LIFECYCLE_NAMES.contains(&name)
        || LIFECYCLE_PREFIXES.iter().any(|p| {
            name.strip_prefix(p).is_some_and(|rest| {
                rest.chars().next().is_none_or(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
        })
}

/// Node kinds that open a scope for the names declared directly inside them.
const SCOPES: &[&str] = &[
    "block",
    "expression_case",
    "communication_case",
    "default_case",
    "type_case",
    "if_statement",
    "for_statement",
    "expression_switch_statement",
    "type_switch_statement",
    "func_literal",
    "function_declaration",
    "method_declaration",
];

/// Whether the scope's parameter name means something else at `call`: a closure parameter of
/// that name between the two, or a variable declared in an inner block before the call. The fix
/// would then name the wrong thing, and the finding is not worth its doubt.
fn shadowed(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>) -> bool {
    let name = src.text_of(scope.param);
    let mut cur = enclosing_function(call);
    while let Some(f) = cur {
        if f.id() == scope.func.id() {
            break;
        }
        if params(f).iter().any(|p| src.text_of(p.name) == name) {
            return true;
        }
        cur = enclosing_function(f);
    }
    // The function body is the parameters' own block: `ctx, cancel := ...` there reassigns them.
    let body = scope.func.child_by_field_name("body").map(|b| b.id());
    let mut found = false;
    visit_all(scope.func, |n| {
        if found || n.start_byte() >= call.start_byte() {
            return;
        }
        let Some((names, end, block)) = declaration(n) else { return };
        found = end <= call.start_byte()
            && Some(block.id()) != body
            && block.id() != scope.func.id()
            && block.start_byte() <= call.start_byte()
            && call.end_byte() <= block.end_byte()
            && names.iter().any(|id| src.text_of(*id) == name);
    });
    found
}

/// For a node that declares names, the names, where the declaration ends (the names are in scope
/// from there), and the node whose extent is their scope.
fn declaration(n: Node<'_>) -> Option<(Vec<Node<'_>>, usize, Node<'_>)> {
    let declares = |n: Node<'_>| {
        let mut c = n.walk();
        let found = n.children(&mut c).any(|t| t.kind() == ":=");
        found
    };
    let names = match n.kind() {
        "short_var_declaration" | "var_spec" => assigned_names(n),
        "range_clause" | "receive_statement" if declares(n) => named_children(n.child_by_field_name("left")?),
        "type_switch_statement" => {
            let alias = n.child_by_field_name("alias")?;
            return Some((named_children(alias), alias.end_byte(), n));
        }
        _ => return None,
    };
    let mut block = n.parent()?;
    while !SCOPES.contains(&block.kind()) {
        block = block.parent()?;
    }
    Some((names, n.end_byte(), block))
}

fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Whether the function waited for its own context to end (`<-ctx.Done()`) before `call`: the
/// context is cancelled by then, and cleanup such as a graceful shutdown needs a fresh one.
fn after_done(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>) -> bool {
    let name = src.text_of(scope.param);
    let mut found = false;
    visit_all(scope.func, |n| {
        if found || n.kind() != "unary_expression" || n.end_byte() > call.start_byte() {
            return;
        }
        let is_receive = n.child_by_field_name("operator").is_some_and(|o| src.text_of(o) == "<-");
        let Some(operand) = n.child_by_field_name("operand").map(unparen) else { return };
        found = is_receive
            && method_call(src, operand).is_some_and(|(recv, method)| {
                let recv = src.text_of(unparen(recv));
                method == "Done" && call_args(operand).is_empty() && (recv == name || recv == scope.context_expr)
            });
    });
    found
}

/// Whether `call` runs in work shared by many requests: a closure given to `once.Do`,
/// `sync.OnceFunc`/`OnceValue`/`OnceValues`, or singleflight's `Do`/`DoChan`. Such work must not
/// die with whichever request happened to start it, so a fresh context is right there.
fn shared_work(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>) -> bool {
    let mut cur = enclosing_function(call);
    while let Some(f) = cur {
        if f.id() == scope.func.id() {
            return false;
        }
        let runner = f.parent().filter(|a| a.kind() == "argument_list").and_then(|a| a.parent());
        if runner.is_some_and(|r| {
            matches!(method_call(src, r), Some((_, "Do" | "DoChan")))
                || is_pkg_call(src, r, "sync", &["OnceFunc", "OnceValue", "OnceValues"])
        }) {
            return true;
        }
        cur = enclosing_function(f);
    }
    false
}

/// Whether `call` is a cleanup call that must run after cancellation.
fn is_cleanup_call(src: &Source<'_>, call: Node<'_>) -> bool {
    let name = match method_call(src, call) {
        Some((_, method)) => method,
        None => match call.child_by_field_name("function").map(unparen) {
            Some(f) if f.kind() == "identifier" => src.text_of(f),
            _ => return false,
        },
    };
    CLEANUP.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// Whether `node` runs in a `defer` of `func` (deferred calls and deferred closures).
fn in_defer(node: Node<'_>, func: Node<'_>) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.id() == func.id() {
            return false;
        }
        if n.kind() == "defer_statement" {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// Whether the fresh context only serves cleanup: deferred, passed straight to a cleanup call, or
/// held by a variable (directly or through `context.WithTimeout` and friends) that only cleanup
/// calls use.
fn is_cleanup(src: &Source<'_>, call: Node<'_>, scope: &Scope<'_>, usage: Usage<'_>) -> bool {
    if in_defer(call, scope.func) {
        return true;
    }
    let (stmt, name) = match usage {
        Usage::Argument { callee } => {
            if is_cleanup_call(src, callee) {
                return true;
            }
            if !is_pkg_call(src, callee, "context", DERIVERS) {
                return false;
            }
            let Some(stmt) = assignment_of(callee) else { return false };
            let Some(&name) = assigned_names(stmt).first() else { return false };
            (stmt, name)
        }
        Usage::Variable { stmt, name } => (stmt, name),
    };
    let Some(search) = enclosing_function(stmt) else { return false };
    let name = src.text_of(name);
    let (mut cleanup, mut other) = (0, 0);
    visit_all(search, |n| {
        if n.kind() != "identifier" || n.start_byte() < stmt.end_byte() || src.text_of(n) != name {
            return;
        }
        let Some(parent) = n.parent() else { return };
        if parent.kind() == "argument_list"
            && parent.parent().is_some_and(|c| is_cleanup_call(src, c) || in_defer(c, search))
        {
            cleanup += 1;
        } else if parent.kind() == "expression_list"
            && parent.parent().is_some_and(|s| {
                s.kind() == "assignment_statement"
                    && s.child_by_field_name("left").is_some_and(|l| l.id() == parent.id())
            })
        {
            // A reassignment is not a use.
        } else {
            other += 1;
        }
    });
    cleanup > 0 && other == 0
}

fn finding(src: &Source<'_>, call: Node<'_>, pkg: &str, scope: &Scope<'_>, usage: Usage<'_>) -> Finding {
    let param = src.text_of(scope.param);
    let whose = if scope.carrier.is_handler() {
        format!("the request in `{param}`")
    } else {
        format!("the caller's `{param}`")
    };
    // `context.WithTimeout(context.Background(), 15*time.Second)`: say how long the work outlives
    // its caller.
    let window = match usage {
        Usage::Argument { callee } if is_pkg_call(src, callee, "context", &["WithTimeout", "WithTimeoutCause"]) => {
            let args = call_args(callee);
            match (args.first(), args.get(1)) {
                (Some(first), Some(d)) if first.id() == call.id() => {
                    format!("for up to `{}` ", snippet(src.text_of(*d)))
                }
                _ => String::new(),
            }
        }
        _ => String::new(),
    };
    let message = format!(
        "`{}` cuts this work off from {whose}: it keeps running {window}after the client has gone or the request \
         has timed out, so at high request rates goroutines and the memory they hold pile up faster than they finish",
        snippet(src.text_of(call))
    );
    let expr = &scope.context_expr;
    let owner = if scope.carrier.is_handler() { "request" } else { "caller" };
    let mut fixes = Vec::new();
    // `ctx := context.Background()` in an inner block would become `ctx := ctx`: valid, but the
    // line should go, which is for the author to do.
    let self_assign = matches!(usage, Usage::Variable { name, .. } if src.text_of(name) == expr);
    if !self_assign {
        fixes.push(Fix {
            id: "use-request-context",
            title: format!("Derive from the {owner}'s context: `{}`", snippet(expr)),
            edits: vec![Edit::replace(call.byte_range(), expr.clone())],
            preferred: true,
        });
        if src.file.go_version.is_none_or(|v| v >= (1, 21)) {
            fixes.push(Fix {
                id: "without-cancel",
                title: format!(
                    "Detach on purpose, keeping the {owner}'s values: `{pkg}.WithoutCancel({})`",
                    snippet(expr)
                ),
                edits: vec![Edit::replace(call.byte_range(), format!("{pkg}.WithoutCancel({expr})"))],
                preferred: false,
            });
        }
    }
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message,
        range: call.byte_range(),
        related: vec![Related {
            range: scope.param.byte_range(),
            message: format!("the {owner}'s context is in reach here: `{expr}`"),
        }],
        fixes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::index::Index;
    use crate::analysis::{analyze_file, parse, FileInfo};

    fn run(text: &str, config: &Config, file: &FileInfo) -> Vec<Finding> {
        let tree = parse(text, None);
        analyze_file(text, &tree, config, file, &Index::default()).into_iter().filter(|f| f.rule == RULE.id).collect()
    }

    fn findings(text: &str) -> Vec<Finding> {
        run(text, &Config::default(), &FileInfo::default())
    }

    const CUSTOM: &str = "package svc\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\n\
        func (s Service) GetUserInfo(appContext api.Context, userID string) error {\n\
        \tctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)\n\
        \tdefer cancel()\n\treturn s.fetch(ctx, userID)\n}\n";

    #[test]
    fn a_configured_context_type_is_a_request_scope() {
        assert!(findings(CUSTOM).is_empty(), "api.Context is unknown without the setting");
        let config = Config { context_types: vec!["api.Context".into()], ..Config::default() };
        let found = run(CUSTOM, &config, &FileInfo::default());
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(&CUSTOM[f.range.clone()], "context.Background()");
        assert!(f.message.contains("for up to `15*time.Second`"), "{}", f.message);
        assert!(f.message.contains("`appContext`"), "{}", f.message);
        let fix = f.fixes.iter().find(|x| x.preferred).expect("a preferred fix");
        assert_eq!(fix.id, "use-request-context");
        assert_eq!(fix.edits, vec![Edit::replace(f.range.clone(), "appContext")]);
    }

    #[test]
    fn without_cancel_needs_go_1_21() {
        let text = "package a\nimport \"context\"\nfunc f(ctx context.Context) { g(context.TODO()) }\n";
        let ids = |v: Option<(u32, u32)>| -> Vec<&'static str> {
            let file = FileInfo { is_test: false, go_version: v };
            run(text, &Config::default(), &file).remove(0).fixes.iter().map(|f| f.id).collect()
        };
        assert_eq!(ids(None), ["use-request-context", "without-cancel"]);
        assert_eq!(ids(Some((1, 22))), ["use-request-context", "without-cancel"]);
        assert_eq!(ids(Some((1, 20))), ["use-request-context"]);
    }

    #[test]
    fn test_files_are_skipped() {
        let text = "package a\nimport \"context\"\nfunc helper(ctx context.Context) { g(context.Background()) }\n";
        assert_eq!(findings(text).len(), 1);
        let file = FileInfo { is_test: true, go_version: None };
        assert!(run(text, &Config::default(), &file).is_empty());
    }

    #[test]
    fn lifecycle_names() {
        let f = |name: &str| {
            let text = format!(
                "package a\nimport \"context\"\nfunc {name}(ctx context.Context) {{ go loop(context.Background()) }}\n"
            );
            findings(&text).len()
        };
        assert_eq!(f("NewCache"), 0);
        assert_eq!(f("New"), 0);
        assert_eq!(f("newPool"), 0);
        assert_eq!(f("Run"), 0);
        assert_eq!(f("RegisterRoutes"), 0);
        assert_eq!(f("Newsletter"), 1, "a name that only starts with the letters of a prefix");
        assert_eq!(f("GetUser"), 1);
    }

    #[test]
    fn half_typed_code_does_not_panic() {
        let text =
            "package a\nimport \"context\"\nfunc h(ctx context.Context) {\n\tx := context.Background(\n\tgo func( {\n";
        let _ = findings(text);
        let text = "package a\nfunc h(ctx context.Context) { context.WithTimeout(context.Background(), }";
        let _ = findings(text);
    }
}
