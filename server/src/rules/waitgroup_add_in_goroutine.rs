use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    declaration_of, is_type, method_call, method_calls_in, params, snippet, unparen, visit_all, Declared,
};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "waitgroup-add-in-goroutine",
    summary:
        "`wg.Add` is called inside the goroutine it counts, so `wg.Wait()` can return before that goroutine starts.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/waitgroup-add-in-goroutine.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds `go func() { wg.Add(1); ... }()`: a goroutine whose first statement adds itself to a
`sync.WaitGroup`. `Add` then races with the `Wait` of the function that started the goroutine; when
`Wait` runs first it sees a zero counter and returns while the goroutine has not even begun.

This is the check of go vet's `waitgroup` analyzer (Go 1.25), as you type and with a fix. Like vet
it looks only at the first statement of the goroutine (a later `Add` in the goroutine usually
counts work the goroutine itself starts and waits for). The receiver must be a `sync.WaitGroup`,
which the rule establishes from what the file shows:

- a local variable or parameter declared as `sync.WaitGroup` or `*sync.WaitGroup`, or initialised
  with `sync.WaitGroup{}`, `&sync.WaitGroup{}` or `new(sync.WaitGroup)`;
- a struct field (`s.wg`) declared with one of those types in this file;
- otherwise, a receiver whose `Done()` is called in the goroutine and whose `Wait()` is called
  elsewhere in the file (a receiver declared with another type is never flagged).

A goroutine that calls `Wait()` on the same group itself owns the count and is left alone.

## Why it hurts under load

On an idle machine the new goroutine usually runs its `Add` before the parent reaches `Wait`, so
tests pass. Under load the scheduler starts new goroutines late, and `Wait` returns early: a handler
answers before its fan-out has finished, closes channels the goroutines still send on (a panic), or
returns buffers and request-scoped objects they still use. The goroutines keep running after the
request is gone, so the work per request is no longer bounded by the request: the more loaded the
server, the more of them outlive their handler.

## Example

```go
func (h *Handler) Warm(c *gin.Context) {
	var wg sync.WaitGroup
	for _, key := range h.keys {
		go func() {
			wg.Add(1) // races with wg.Wait below
			defer wg.Done()
			h.cache.Load(c.Request.Context(), key)
		}()
	}
	wg.Wait()
	c.Status(http.StatusNoContent)
}
```

## Fix

Call `Add` before the `go` statement, in the goroutine that calls `Wait`. The quick fix (`move-add`)
moves the `Add` call to the line before `go`; it is offered when the `go` statement and the `Add`
stand on lines of their own and the `Add` argument does not use the function literal's
parameters. On Go 1.25 and later, `wg.Go(func() { ... })` does both.

## What it cannot see

- Goroutines started from a named function (`go worker(&wg)`) or a function value, or whose `Add`
  is not the first statement.
- Wait groups declared in another file or package under another name, when the goroutine does not
  call `Done()` on them or the file never calls `Wait()`.
- Types that embed a `sync.WaitGroup` and are used through the embedding type's methods.
"#;

const SYNC: &str = "sync";

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    for m in matches(src, RULE.id) {
        let (Some(go), Some(lit)) = (m.get("go"), m.get("lit")) else { continue };
        let Some((add_stmt, add_call, wg)) = first_add(src, lit) else { continue };
        let wg = unparen(wg);
        let wg_text = src.text_of(wg);
        let Some(body) = lit.child_by_field_name("body") else { continue };
        // A goroutine that waits on the group itself owns the count it adds.
        if calls_method(src, body, wg_text, "Wait") {
            continue;
        }
        if !is_wait_group(src, go, wg, body) {
            continue;
        }
        out.push(Finding {
            rule: RULE.id,
            severity: RULE.default_severity,
            message: format!(
                "`{}` runs inside the goroutine it counts, so `{wg_text}.Wait()` can return before this goroutine starts: \
                 under load goroutines start late, and the caller moves on while their work still runs",
                snippet(src.text_of(add_call))
            ),
            range: add_call.byte_range(),
            related: vec![Related {
                range: go.start_byte()..lit.start_byte().max(go.start_byte()),
                message: "the goroutine is started here; count it before this line".to_string(),
            }],
            fixes: move_add(src, go, lit, add_call, add_stmt).into_iter().collect(),
        });
    }
}

/// The literal's first statement (comments aside) when it is a call `x.Add(...)`: the statement,
/// the call and the receiver `x`.
fn first_add<'t>(src: &Source<'_>, lit: Node<'t>) -> Option<(Node<'t>, Node<'t>, Node<'t>)> {
    let body = lit.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let list = body.named_children(&mut cursor).find(|n| n.kind() == "statement_list")?;
    let mut c2 = list.walk();
    let stmt = list.named_children(&mut c2).find(|n| n.kind() != "comment")?;
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let call = stmt.named_child(0).filter(|c| c.kind() == "call_expression")?;
    let (recv, method) = method_call(src, call)?;
    (method == "Add").then_some((stmt, call, recv))
}

/// Whether `root` contains a call `recv.method()` whose receiver is spelled `recv`.
fn calls_method(src: &Source<'_>, root: Node<'_>, recv: &str, method: &str) -> bool {
    let mut found = false;
    visit_all(root, |n| {
        if !found {
            if let Some((r, m)) = method_call(src, n) {
                found = m == method && src.text_of(unparen(r)) == recv;
            }
        }
    });
    found
}

/// Whether the file contains a call `recv.method()` whose receiver is spelled `recv`, as
/// [`calls_method`] over the whole tree decides it. The calls are found from the method's name in
/// the text rather than by a walk of the tree: after a keystroke the server analyses only the
/// edited declaration, and a walk of the file per goroutine made that cost grow with the file.
fn file_calls_method(src: &Source<'_>, recv: &str, method: &str) -> bool {
    let mut calls = method_calls_in(src, src.root(), method);
    calls.any(|call| method_call(src, call).is_some_and(|(r, _)| src.text_of(unparen(r)) == recv))
}

/// Whether the receiver `wg` (seen from the `go` statement) is a `sync.WaitGroup`.
fn is_wait_group(src: &Source<'_>, go: Node<'_>, wg: Node<'_>, goroutine_body: Node<'_>) -> bool {
    let declared = match wg.kind() {
        "identifier" => declared_wait_group(src, go, src.text_of(wg)),
        "selector_expression" => wg.child_by_field_name("field").and_then(|f| field_wait_group(src, src.text_of(f))),
        _ => Some(false),
    };
    match declared {
        Some(known) => known,
        // Unknown declaration: the usage must look like a wait group's.
        None => {
            let text = src.text_of(wg);
            src.reads_file_about_for("Wait", go);
            calls_method(src, goroutine_body, text, "Done") && file_calls_method(src, text, "Wait")
        }
    }
}

/// What the declaration of a local name says: `Some(true)` a wait group, `Some(false)` something
/// else, `None` unknown.
fn declared_wait_group(src: &Source<'_>, at: Node<'_>, name: &str) -> Option<bool> {
    match declaration_of(src, at, name)? {
        Declared::Param(p) => Some(is_wait_group_type(src, p.ty)),
        Declared::Var { ty: Some(ty), .. } => Some(is_wait_group_type(src, ty)),
        Declared::Var { value: Some(v), .. } => is_wait_group_value(src, v),
        Declared::Var { .. } | Declared::Other(_) => None,
    }
}

fn is_wait_group_type(src: &Source<'_>, ty: Node<'_>) -> bool {
    is_type(src, ty, SYNC, "WaitGroup", false) || is_type(src, ty, SYNC, "WaitGroup", true)
}

/// `sync.WaitGroup{}`, `&sync.WaitGroup{}` and `new(sync.WaitGroup)` are wait groups; other
/// composite literals and `new` of other types are not; anything else is unknown.
fn is_wait_group_value(src: &Source<'_>, value: Node<'_>) -> Option<bool> {
    let mut v = unparen(value);
    if v.kind() == "unary_expression" && v.child_by_field_name("operator").is_some_and(|o| src.text_of(o) == "&") {
        v = unparen(v.child_by_field_name("operand")?);
    }
    match v.kind() {
        "composite_literal" => Some(is_wait_group_type(src, v.child_by_field_name("type")?)),
        "call_expression" => {
            let func = v.child_by_field_name("function")?;
            if src.text_of(func) != "new" {
                return None;
            }
            let args = v.child_by_field_name("arguments")?;
            let ty = args.named_child(0)?;
            Some(is_wait_group_type(src, ty))
        }
        _ => None,
    }
}

/// What the struct types of this file say about a field named `field`: `None` when no struct of
/// the file declares it, else whether every declaration of it is a wait group (two structs may use
/// the name with different types; any other type makes it unsure). The declarations come from
/// [`Source::field_types`], which finds them from the name in the text instead of a walk of the
/// file per goroutine.
fn field_wait_group(src: &Source<'_>, field: &str) -> Option<bool> {
    let types = src.field_types(field);
    (!types.is_empty()).then(|| types.iter().all(|&ty| is_wait_group_type(src, ty)))
}

/// Moves the `Add` statement to the line before the `go` statement.
fn move_add(src: &Source<'_>, go: Node<'_>, lit: Node<'_>, add_call: Node<'_>, add_stmt: Node<'_>) -> Option<Fix> {
    if go.parent()?.kind() != "statement_list" {
        return None;
    }
    let go_line = src.line_start(go.start_byte());
    if !src.text[go_line..go.start_byte()].trim().is_empty() {
        return None;
    }
    // The count may not depend on the literal's parameters, which do not exist before `go`.
    let param_names: Vec<&str> = params(lit).iter().map(|p| src.text_of(p.name)).collect();
    let mut uses_param = false;
    if let Some(args) = add_call.child_by_field_name("arguments") {
        visit_all(args, |n| uses_param |= n.kind() == "identifier" && param_names.contains(&src.text_of(n)));
    }
    if uses_param {
        return None;
    }
    let line_start = src.line_start(add_stmt.start_byte());
    let line_end = src.line_end_inclusive(add_stmt.end_byte());
    if !src.text[line_start..add_stmt.start_byte()].trim().is_empty() {
        return None;
    }
    let rest = src.text[add_stmt.end_byte()..line_end].trim();
    if !rest.is_empty() && !rest.starts_with("//") {
        return None;
    }
    let moved = src.text[add_stmt.start_byte()..line_end].trim_end();
    let nl = src.newline();
    let indent = src.indent_at(go.start_byte());
    Some(Fix {
        id: "move-add",
        title: format!("Move `{}` before the `go` statement", snippet(src.text_of(add_call))),
        edits: vec![Edit::insert(go_line, format!("{indent}{moved}{nl}")), Edit::delete(line_start..line_end)],
        preferred: true,
    })
}
