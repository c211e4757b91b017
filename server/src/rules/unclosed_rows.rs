use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    declaration_of, enclosing_function, method_call, method_calls_in, results, unparen, walk_in_function, Declared,
    Step,
};
use crate::analysis::resource::{self, Acquired, Outcome, Resource};
use crate::analysis::{Finding, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "unclosed-rows",
    summary: "Database rows that are not closed on every path, or whose `rows.Err()` is not checked after the loop.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/unclosed-rows.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds database rows from `Query`/`QueryContext` (and sqlx's `Queryx`/`QueryxContext`, pgx's
`conn.Query(ctx, sql, args...)`) that

- are not closed on every path out of the function: no `defer rows.Close()`, no deferred closure
  that closes them, and a `return` (or the end of the function) reached with the rows open; rows
  declared with `:=` inside a loop must also be closed before the next iteration; or
- are iterated with `for rows.Next()` while `rows.Err()` is never consulted, so a result cut short
  by a dropped connection or a cancelled context looks complete.

The receiver must be recognisably a database handle: a parameter, variable or struct field typed
`*sql.DB`, `*sql.Tx`, `*sql.Conn`, `*sql.Stmt`, their `sqlx` counterparts, `*pgx.Conn`, `pgx.Tx`,
`*pgxpool.Pool`, `*pgxpool.Conn` or `*pgxpool.Tx` (packages resolved through the file's imports), or
a variable set from `sql.Open`, `sqlx.Connect`, `pgxpool.New` and the like. On a receiver of unknown
type the call counts only when the function iterates the result with `rows.Next()`. Receivers typed
by any other package (`*gorm.DB`, `*bun.DB`) and local methods that return something else are left
alone, and `db.QueryRow` (a `*sql.Row`, which has no `Close`) is never matched, nor are
`r.URL.Query()` or gin's `c.Query("k")`, which return a single value.

Like `unclosed-body`, paths through the error check (`if err != nil`, `rows == nil`) need no close,
and the rule stays quiet when the rows change hands: returned, passed to another function (a helper
that scans and closes them, `pgx.CollectRows`), stored, sent, or captured by a goroutine or a closure
other than a deferred one that closes them. It replaces `sqlclosecheck` and `rowserrcheck` on the
code it can see.

## Why it hurts under load

Open rows pin the pooled connection that produced them: `database/sql` cannot hand that connection
to anyone else until the rows are closed (or, by luck, fully read). Each early return that skips the
close takes one connection out of the pool until the garbage collector finalises the rows, if ever.
Under load the pool (`SetMaxOpenConns`) runs dry, every query queues for a connection, request
latency climbs to the context's deadline, and the database sees idle-in-transaction sessions pile
up. An unchecked `rows.Err()` fails the other way: exactly when the database is slow and contexts
time out, loops end early and truncated results are cached or returned as if complete.

## Example

```go
func (s *Store) Names(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name FROM users")
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err // the connection stays checked out
		}
		names = append(names, n)
	}
	rows.Close()
	return names, nil // rows.Err() never checked
}
```

## Fix

Close the rows with `defer rows.Close()` right after the error check, and return `rows.Err()` after
the loop. The quick fix (`defer-close`) inserts the `defer` after the `if err != nil { ... }` that
follows the call (moving a later `defer rows.Close()` of the same block up instead of adding a
second one). It is not offered when the error is checked elsewhere than directly after the call,
for `var` declarations, or inside a loop, where a `defer` would hold every iteration's connection
until the function returns. The missing `rows.Err()` check has no mechanical fix: what to do with
the error is the caller's decision.

## What it cannot see

- Rows handed to another function, returned, stored or captured: the new owner is trusted, so a
  helper that forgets to close is not seen either.
- Query methods of ORMs and wrappers (`gorm`, `bun`, `sqlc`-generated code that returns slices),
  and database handles whose type is declared in another file and whose rows are not iterated with
  `rows.Next()` in the function.
- Results that are discarded (`_, err := db.Query(q)`) or not assigned at all.
- Error checks through a helper (`if failed(err)`) and switches on `err`: the rule stops following
  those rows rather than guess.
- Loops are followed once; rows assigned to a variable declared outside a loop are checked only at
  the function's exits.
"#;

/// Rows as a resource: released by `rows.Close()`.
struct Rows;

impl Resource for Rows {
    fn is_release(&self, src: &Source<'_>, call: Node<'_>, var: &str) -> bool {
        is_method_on(src, call, var, "Close")
    }
}

/// Whether `call` is `var.method()` with no arguments.
fn is_method_on(src: &Source<'_>, call: Node<'_>, var: &str, method: &str) -> bool {
    let Some((recv, m)) = method_call(src, call) else { return false };
    let recv = unparen(recv);
    m == method
        && recv.kind() == "identifier"
        && src.text_of(recv) == var
        && call.child_by_field_name("arguments").is_some_and(|a| a.named_child_count() == 0)
}

/// Database packages and their handle types whose `Query` methods return rows.
const HANDLES: &[(&str, &[&str])] = &[
    ("database/sql", &["DB", "Tx", "Conn", "Stmt"]),
    ("github.com/jmoiron/sqlx", &["DB", "Tx", "Conn", "Stmt", "NamedStmt"]),
    ("github.com/jackc/pgx/v4", &["Conn", "Tx"]),
    ("github.com/jackc/pgx/v5", &["Conn", "Tx"]),
    ("github.com/jackc/pgx/v4/pgxpool", &["Pool", "Conn", "Tx"]),
    ("github.com/jackc/pgx/v5/pgxpool", &["Pool", "Conn", "Tx"]),
];

/// Constructors that return a database handle.
const OPENERS: &[(&str, &[&str])] = &[
    ("database/sql", &["Open", "OpenDB"]),
    ("github.com/jmoiron/sqlx", &["Open", "Connect", "ConnectContext", "MustOpen", "MustConnect", "NewDb"]),
    ("github.com/jackc/pgx/v4", &["Connect", "ConnectConfig"]),
    ("github.com/jackc/pgx/v5", &["Connect", "ConnectConfig"]),
    ("github.com/jackc/pgx/v4/pgxpool", &["Connect", "ConnectConfig"]),
    ("github.com/jackc/pgx/v5/pgxpool", &["New", "NewWithConfig"]),
];

/// What is known about the receiver of `x.Query(...)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Handle {
    Db,
    /// A type of another package, or a local method that returns something else.
    Foreign,
    Unknown,
}

impl Handle {
    /// Combines what several declarations say; any foreign one wins, since quiet is the safe side.
    fn and(self, other: Handle) -> Handle {
        match (self, other) {
            (Handle::Foreign, _) | (_, Handle::Foreign) => Handle::Foreign,
            (Handle::Db, _) | (_, Handle::Db) => Handle::Db,
            _ => Handle::Unknown,
        }
    }
}

/// What a type expression says: a database handle, another package's type, or nothing.
fn handle_type(src: &Source<'_>, ty: Node<'_>) -> Handle {
    let ty = if ty.kind() == "pointer_type" { ty.named_child(0).unwrap_or(ty) } else { ty };
    if ty.kind() != "qualified_type" {
        return Handle::Unknown;
    }
    let (Some(pkg), Some(name)) = (ty.child_by_field_name("package"), ty.child_by_field_name("name")) else {
        return Handle::Unknown;
    };
    let (pkg, name) = (src.text_of(pkg), src.text_of(name));
    let known = HANDLES.iter().any(|(path, names)| names.contains(&name) && src.is_package(pkg, path));
    if known {
        Handle::Db
    } else {
        Handle::Foreign
    }
}

/// What a value bound to the receiver says: a known constructor makes it a handle.
fn handle_value(src: &Source<'_>, value: Node<'_>) -> Handle {
    let v = unparen(value);
    if v.kind() != "call_expression" {
        return Handle::Unknown;
    }
    let opened = OPENERS.iter().any(|(path, names)| crate::analysis::go::is_pkg_call(src, v, path, names));
    if opened {
        Handle::Db
    } else {
        Handle::Unknown
    }
}

/// For `a, b := f()` (or `var a, b = f()`), the call `f()` when `name` is `a`.
fn first_of_single_call<'t>(src: &Source<'_>, stmt: Node<'t>, name: &str) -> Option<Node<'t>> {
    let names = crate::analysis::go::assigned_names(stmt);
    let list = stmt.child_by_field_name(if stmt.kind() == "var_spec" { "value" } else { "right" })?;
    let call = list.named_child(0).filter(|c| c.kind() == "call_expression" && list.named_child_count() == 1)?;
    names.first().is_some_and(|n| src.text_of(*n) == name).then_some(call)
}

/// Classifies the receiver of the call from its declarations in this file.
fn handle_of(src: &Source<'_>, recv: Node<'_>) -> Handle {
    let recv = unparen(recv);
    match recv.kind() {
        "identifier" => match declaration_of(src, recv, src.text_of(recv)) {
            Some(Declared::Param(p)) => handle_type(src, p.ty),
            Some(Declared::Var { stmt, ty, value }) => {
                let by_type = ty.map_or(Handle::Unknown, |t| handle_type(src, t));
                // `db, err := sql.Open(...)`: one call gives the first name its value.
                let value = value.or_else(|| first_of_single_call(src, stmt, src.text_of(recv)));
                by_type.and(value.map_or(Handle::Unknown, |v| handle_value(src, v)))
            }
            _ => Handle::Unknown,
        },
        "selector_expression" => {
            // `s.db`: every struct field of that name declared in this file.
            let Some(field) = recv.child_by_field_name("field").map(|f| src.text_of(f)) else {
                return Handle::Unknown;
            };
            let mut kind = Handle::Unknown;
            for ty in src.field_types(field) {
                kind = kind.and(handle_type(src, ty));
            }
            kind
        }
        _ => Handle::Unknown,
    }
}

/// A method of that name declared in this file tells what such calls return here.
fn local_method(src: &Source<'_>, method: &str) -> Handle {
    let mut kind = Handle::Unknown;
    let root = src.root();
    let mut cursor = root.walk();
    for decl in root.named_children(&mut cursor).filter(|d| d.kind() == "method_declaration") {
        if decl.child_by_field_name("name").map(|n| src.text_of(n)) != Some(method) {
            continue;
        }
        let first = results(decl).into_iter().next();
        let rows = first.is_some_and(|t| {
            let t = if t.kind() == "pointer_type" { t.named_child(0).unwrap_or(t) } else { t };
            t.kind() == "qualified_type" && t.child_by_field_name("name").is_some_and(|n| src.text_of(n) == "Rows")
        });
        kind = kind.and(if rows { Handle::Db } else { Handle::Foreign });
    }
    kind
}

/// The first `for rows.Next() { ... }` loop of the function, as the `rows.Next()` call.
fn next_loop<'t>(src: &Source<'_>, acq: &Acquired<'t>) -> Option<Node<'t>> {
    let mut found = None;
    walk_in_function(acq.func, |n| {
        if n.kind() == "for_statement" {
            let cond = n.named_child(0).filter(|c| c.kind() == "call_expression").map(unparen);
            if let Some(c) = cond.filter(|c| is_method_on(src, *c, acq.var, "Next")) {
                found = Some(c);
                return Step::Stop;
            }
        }
        Step::Enter
    });
    found
}

/// What the receiver of the acquiring call says about its result: rows of a database handle, a
/// foreign type, or unknown (then the rule looks for a `Next` loop). `methods` remembers, per
/// method name, what the file's methods of that name return: finding that out is a search of every
/// top-level declaration, which per acquisition made a file of many queries quadratic.
fn rows_handle<'a>(
    src: &Source<'a>,
    methods: &mut HashMap<&'a str, Handle>,
    acq: &Acquired<'_>,
    recv: Node<'_>,
) -> Handle {
    let method = acq
        .call
        .child_by_field_name("function")
        .and_then(|f| f.child_by_field_name("field"))
        .map(|f| src.text_of(f))
        .unwrap_or("");
    let recv = unparen(recv);
    // `sql.Query(...)` would be a package function, not a handle's method.
    if recv.kind() == "identifier" && src.is_package(src.text_of(recv), "database/sql") {
        return Handle::Foreign;
    }
    let mut handle = handle_of(src, recv);
    if handle == Handle::Unknown {
        handle = *methods.entry(method).or_insert_with(|| local_method(src, method));
    }
    handle
}

fn check(src: &Source<'_>, _config: &Config, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    let mut methods = HashMap::new();
    for m in matches(src, RULE.id) {
        let (Some(call), Some(stmt), Some(rows), Some(err), Some(recv)) =
            (m.get("call"), m.get("stmt"), m.get("rows"), m.get("err"), m.get("recv"))
        else {
            continue;
        };
        if !seen.insert(call.id()) {
            continue;
        }
        let var = src.text_of(rows);
        if var == "_" {
            continue;
        }
        let Some(func) = enclosing_function(call) else { continue };
        let err = Some(src.text_of(err)).filter(|e| *e != "_");
        let acq = Acquired { call, stmt, func, var, err };
        // The `Next` loop, searched for at most once per acquisition: both the type test and the
        // `Err` check ask for it.
        let next = std::cell::OnceCell::new();
        let next_loop = || *next.get_or_init(|| next_loop(src, &acq));
        let rows = match rows_handle(src, &mut methods, &acq, recv) {
            Handle::Db => true,
            Handle::Foreign => false,
            Handle::Unknown => next_loop().is_some(),
        };
        if !rows || !resource::owned_here(src, &acq) {
            continue;
        }
        let err_block = resource::direct_err_check(src, &Rows, &acq).and_then(|s| s.child_by_field_name("consequence"));
        if resource::escapes(src, &Rows, &acq, err_block) {
            continue;
        }
        if let Some(walk) = resource::walk(src, &Rows, &acq).filter(|w| !w.leaks.is_empty()) {
            out.push(unclosed(src, &acq, &walk));
        }
        if let Some(next) = next_loop() {
            // The `Err` calls are found from the name in the text: a walk of the whole function
            // per acquisition cost more than the rest of the rule.
            let checked = method_calls_in(src, func, "Err").any(|n| is_method_on(src, n, var, "Err"));
            if !checked {
                out.push(Finding {
                    rule: RULE.id,
                    severity: RULE.default_severity,
                    message: format!(
                        "`{var}.Err()` is not checked after the `{var}.Next()` loop: when the connection drops or \
                         the context times out mid-result, which is what happens under load, the loop just ends \
                         and a truncated result passes for complete; check `{var}.Err()` after the loop"
                    ),
                    range: next.byte_range(),
                    related: Vec::new(),
                    fixes: Vec::new(),
                });
            }
        }
    }
}

fn unclosed(src: &Source<'_>, acq: &Acquired<'_>, walk: &Outcome<'_>) -> Finding {
    let rows = acq.var;
    let wording = resource::Wording {
        rule: RULE.id,
        severity: RULE.default_severity,
        released: "closed",
        cost: "open rows keep their pooled connection checked out, so under load the pool runs dry and every query \
               waits for a connection",
        in_loop: "close it".to_string(),
        defer: format!("defer {rows}.Close()"),
        defer_where: "after the error check",
        fix_id: "defer-close",
        fix_title: format!("Add `defer {rows}.Close()` after the error check"),
        held: "open",
    };
    resource::unreleased(src, &Rows, acq, walk, wording)
}
