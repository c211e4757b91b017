use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    assigned_names, call_args, declaration_of, enclosing_function, is_function, is_noreturn_call, is_pkg_call,
    method_call, snippet, unparen, visit_all, visit_in_function, Declared,
};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "goroutine-leak-send",
    summary:
        "A goroutine sends on an unbuffered channel whose receiver can leave first, so the goroutine blocks forever.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/goroutine-leak-send.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds the most common goroutine leak: a function makes an unbuffered channel, starts a goroutine
that sends its result on it, and then can stop listening before the result arrives:

```go
ch := make(chan result)
go func() { ch <- fetch() }()
select {
case r := <-ch: ...
case <-ctx.Done(): return ctx.Err() // the goroutine's send now blocks forever
}
```

The receiver can leave first when the receive is a case of a `select` that also has a
`<-ctx.Done()` (any `X.Done()`), `<-time.After(d)`, `<-t.C` or `default` case, or when a `return`
lies between the `go` statement and the receive. Everything must be visible in one function, so
the finding is certain:

- the channel is created there by `make(chan T)` or `make(chan T, 0)`;
- every send on it is a plain `ch <- v` statement in a `go func() { ... }()` started by that
  function (a send inside a `select`, which can give up itself, is not a leak);
- it is received exactly once, in that function, and used nowhere else (not passed to a function,
  stored, returned, ranged over or closed, since someone else could then drain it);
- in a loop, the exit case must leave the loop (`return`), since a `select` that loops back
  receives later.

No common Go linter reports this (it is what `go.uber.org/goleak` catches at test time).

## Why it hurts under load

The leaked goroutine never ends: its stack, the result it was about to send and everything the
closure captured (the request, its body, buffers, database rows) stay in memory for the life of
the process. It happens exactly when the system is slow: every request that times out or is
cancelled strands one goroutine per sender. Slowness makes more timeouts, more timeouts leave more
goroutines and memory behind, the GC works harder, and the process slows further until it is
killed for its memory.

## Example

```go
func (h *Handler) Profile(c *gin.Context) {
	ch := make(chan *Profile)
	go func() {
		ch <- h.store.Load(c.Param("id")) // blocks forever after a timeout
	}()
	select {
	case p := <-ch:
		c.JSON(http.StatusOK, p)
	case <-c.Request.Context().Done():
		c.AbortWithStatus(http.StatusGatewayTimeout)
	}
}
```

## Fix

Give the channel room for every value that may be sent, so the senders never block: the quick
fix (`buffer-1`) makes it `make(chan T, 1)`, or `make(chan T, N)` when the senders are started by
a loop with a constant count `N` (`for i := 0; i < 3; i++`, `for range 3`). It is offered when
each goroutine sends once and the number of senders is known. Alternatively make the send a
`select` with `case <-ctx.Done():` too, or use `errgroup`.

## What it cannot see

- Channels received or passed on in another function, fields, and channels made elsewhere.
- Goroutines started from named functions (`go worker(ch)`), and sends in helper functions.
- Early exits through `panic`, `break` out of a loop around the receive, or a `goto`.
- In test code (`_test.go` files and files that import `testing`), an exit case that fails the
  test (`t.Fatal`, `t.FailNow()`): the goroutine is then left behind only by a
  run that has already failed, and the rule stays quiet.
- A receiver that can leave for reasons other than the ones above (for example a `select` on
  another result channel).
"#;

/// How the receiver can leave before receiving.
struct Exit {
    range: std::ops::Range<usize>,
    what: String,
}

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    for m in matches(src, RULE.id) {
        let (Some(decl), Some(ch), Some(make), Some(ty)) = (m.get("decl"), m.get("ch"), m.get("make"), m.get("type"))
        else {
            continue;
        };
        if assigned_names(decl).len() != 1 {
            continue;
        }
        // Unbuffered: no capacity, or a literal 0.
        let args = call_args(make);
        let zero_cap = match args.as_slice() {
            [_] => None,
            [_, cap] if cap.kind() == "int_literal" && src.text_of(*cap) == "0" => Some(*cap),
            _ => continue,
        };
        let Some(func) = enclosing_function(decl) else { continue };
        let Some(uses) = classify_uses(src, func, decl, ch) else { continue };
        if uses.sends.is_empty() {
            continue;
        }
        let Some(exit) = receiver_exit(src, func, &uses) else { continue };
        let capacity = capacity(src, func, &uses);
        let func_name = function_name(src, func);
        for &(send, _) in &uses.sends {
            let fix = capacity.map(|n| buffer(src, ty, zero_cap, n));
            out.push(Finding {
                rule: RULE.id,
                severity: RULE.default_severity,
                message: format!(
                    "this send on unbuffered `{}` blocks forever when {func_name} leaves through {} before receiving: \
                     every cancelled or timed-out call strands this goroutine and everything it holds",
                    snippet(src.text_of(ch)),
                    exit.what
                ),
                range: send.byte_range(),
                related: vec![
                    Related { range: exit.range.clone(), message: "the receiver can leave here first".to_string() },
                    Related { range: make.byte_range(), message: "the channel is unbuffered".to_string() },
                ],
                fixes: fix.into_iter().collect(),
            });
        }
    }
}

struct Uses<'t> {
    /// Each send statement, with the `go` statement that started its goroutine.
    sends: Vec<(Node<'t>, Node<'t>)>,
    /// The single receive expression `<-ch`.
    receive: Node<'t>,
}

/// Sorts every use of the channel; `None` when one is not a goroutine's plain send or the single
/// receive of `func`, since the channel could then be drained or sent on elsewhere.
fn classify_uses<'t>(src: &Source<'_>, func: Node<'t>, decl: Node<'t>, ch: Node<'t>) -> Option<Uses<'t>> {
    let name = src.text_of(ch);
    let body = func.child_by_field_name("body")?;
    let mut ids = Vec::new();
    visit_all(body, |n| {
        if n.kind() == "identifier" && src.text_of(n) == name {
            ids.push(n);
        }
    });
    let mut sends = Vec::new();
    let mut receive = None;
    for id in ids {
        // Only uses of this declaration count; a shadowing variable of the same name is another.
        if !matches!(declaration_of(src, id, name), Some(Declared::Var { stmt, .. }) if stmt.id() == decl.id()) {
            continue;
        }
        let parent = id.parent()?;
        let is_receive = parent.kind() == "unary_expression"
            && parent.child_by_field_name("operator").is_some_and(|o| src.text_of(o) == "<-")
            && enclosing_function(parent) == Some(func);
        if parent.kind() == "send_statement" && parent.child_by_field_name("channel") == Some(id) {
            sends.push((parent, goroutine_of(func, parent)?));
        } else if is_receive && receive.is_none() {
            receive = Some(parent);
        } else {
            return None;
        }
    }
    Some(Uses { sends, receive: receive? })
}

/// The `go` statement of the `go func() { ... }()` of `func` whose body holds `send` as a plain
/// statement outside any loop.
fn goroutine_of<'t>(func: Node<'t>, send: Node<'t>) -> Option<Node<'t>> {
    if send.parent()?.kind() != "statement_list" {
        return None;
    }
    let mut cur = send.parent();
    while let Some(n) = cur {
        if n.kind() == "for_statement" {
            return None;
        }
        if is_function(n) {
            let call = n.parent().filter(|c| c.kind() == "call_expression" && n.kind() == "func_literal")?;
            let go = call.parent().filter(|g| g.kind() == "go_statement")?;
            return (enclosing_function(go) == Some(func)).then_some(go);
        }
        cur = n.parent();
    }
    None
}

/// How the receiver can leave before its receive, if it visibly can.
fn receiver_exit(src: &Source<'_>, func: Node<'_>, uses: &Uses<'_>) -> Option<Exit> {
    let recv = uses.receive;
    // The receive as a case of a select: `case v := <-ch:` or `case <-ch:`.
    let comm = recv.parent().and_then(|p| match p.kind() {
        "receive_statement" => p.parent(),
        _ => None,
    });
    if let Some(case) = comm.filter(|c| c.kind() == "communication_case") {
        let select = case.parent()?;
        let in_loop = in_loop_within(select, func);
        let mut cursor = select.walk();
        for other in select.named_children(&mut cursor) {
            if other.id() == case.id() {
                continue;
            }
            let what = match other.kind() {
                "default_case" => "its `default` case".to_string(),
                "communication_case" => match exit_receive(src, other) {
                    Some(text) => format!("`{text}`"),
                    None => continue,
                },
                _ => continue,
            };
            // In a loop the select comes back and receives later, unless the case leaves.
            if in_loop && !case_returns(src, other) {
                continue;
            }
            // A test's timeout case that fails the test: the goroutine is left behind only on a
            // run that has already failed, and dies with the test binary.
            if fails_test(src, other) {
                continue;
            }
            let end = other.child_by_field_name("communication").map_or(other.start_byte() + 1, |c| c.end_byte());
            return Some(Exit { range: other.start_byte()..end.min(other.end_byte()), what });
        }
        return None;
    }
    // A plain receive: a `return` between the goroutine's start and the receive.
    let first_go = uses.sends.iter().map(|(_, go)| go.end_byte()).min()?;
    let mut found = None;
    visit_in_function(func.child_by_field_name("body")?, |n| {
        if found.is_none()
            && n.kind() == "return_statement"
            && n.start_byte() >= first_go
            && n.end_byte() <= recv.start_byte()
        {
            found = Some(n);
        }
    });
    let ret = found?;
    let line = src.text[..ret.start_byte()].matches('\n').count() + 1;
    Some(Exit { range: ret.byte_range(), what: format!("the `return` on line {line}") })
}

/// For a case `<-ctx.Done()`, `<-time.After(d)` or `<-t.C`, its receive text.
fn exit_receive<'a>(src: &Source<'a>, case: Node<'_>) -> Option<&'a str> {
    let comm = case.child_by_field_name("communication")?;
    let unary = match comm.kind() {
        "receive_statement" => comm.child_by_field_name("right")?,
        _ => return None,
    };
    let operand = unparen(unary.child_by_field_name("operand")?);
    let exits = match operand.kind() {
        "call_expression" => {
            method_call(src, operand).is_some_and(|(_, m)| m == "Done") || is_pkg_call(src, operand, "time", &["After"])
        }
        "selector_expression" => operand.child_by_field_name("field").is_some_and(|f| src.text_of(f) == "C"),
        _ => false,
    };
    exits.then(|| src.text_of(unary))
}

/// Whether the case's last statement returns (or never returns).
fn case_returns(src: &Source<'_>, case: Node<'_>) -> bool {
    let mut cursor = case.walk();
    let Some(list) = case.named_children(&mut cursor).find(|n| n.kind() == "statement_list") else { return false };
    let mut c2 = list.walk();
    let last = list.named_children(&mut c2).filter(|n| n.kind() != "comment").last();
    last.is_some_and(|s| {
        s.kind() == "return_statement"
            || s.kind() == "expression_statement"
                && s.named_child(0).is_some_and(|c| c.kind() == "call_expression" && is_noreturn_call(src, c))
    })
}

/// Whether `case` is in test code and ends by failing or stopping the test (`t.Fatal(…)`,
/// `t.FailNow()`, or another call that never returns).
fn fails_test(src: &Source<'_>, case: Node<'_>) -> bool {
    let in_test = src.file.is_test || src.import_name("testing").is_some();
    in_test && case_returns(src, case) && !last_statement_is_return(case)
}

/// Whether the case's last statement is a plain `return` (a path that goes on normally).
fn last_statement_is_return(case: Node<'_>) -> bool {
    let mut cursor = case.walk();
    let Some(list) = case.named_children(&mut cursor).find(|n| n.kind() == "statement_list") else { return false };
    let mut c2 = list.walk();
    let last = list.named_children(&mut c2).filter(|n| n.kind() != "comment").last();
    last.is_some_and(|s| s.kind() == "return_statement")
}

fn in_loop_within(node: Node<'_>, func: Node<'_>) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.id() == func.id() || is_function(n) {
            return false;
        }
        if n.kind() == "for_statement" {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// How many values may be sent: one per `go` statement, times a constant loop count around it.
fn capacity(src: &Source<'_>, func: Node<'_>, uses: &Uses<'_>) -> Option<u64> {
    let mut gos: Vec<Node<'_>> = Vec::new();
    for &(_, go) in &uses.sends {
        // Two sends in one goroutine may both run; the count would be a guess.
        if gos.iter().any(|g| g.id() == go.id()) {
            return None;
        }
        gos.push(go);
    }
    let mut total: u64 = 0;
    for go in gos {
        let mut count: u64 = 1;
        let mut cur = go.parent();
        while let Some(n) = cur {
            if n.id() == func.id() {
                break;
            }
            if n.kind() == "for_statement" {
                count = count.checked_mul(loop_count(src, n)?)?;
            }
            cur = n.parent();
        }
        total = total.checked_add(count)?;
    }
    (total > 0 && total <= 1024).then_some(total)
}

/// The constant iteration count of `for i := 0; i < N; i++` or `for range N`, if it is one.
fn loop_count(src: &Source<'_>, lp: Node<'_>) -> Option<u64> {
    let int = |n: Node<'_>| -> Option<u64> {
        let n = unparen(n);
        (n.kind() == "int_literal").then(|| src.text_of(n).replace('_', "").parse().ok()).flatten()
    };
    let mut cursor = lp.walk();
    let header = lp.named_children(&mut cursor).find(|n| matches!(n.kind(), "for_clause" | "range_clause"))?;
    match header.kind() {
        "range_clause" => int(header.child_by_field_name("right")?),
        _ => {
            // for i := 0; i < N; i++
            let init = header.child_by_field_name("initializer")?;
            let cond = header.child_by_field_name("condition")?;
            let update = header.child_by_field_name("update")?;
            let var = assigned_names(init);
            let [var] = var.as_slice() else { return None };
            let start = int(init.child_by_field_name("right")?.named_child(0)?)?;
            if init.kind() != "short_var_declaration"
                || cond.kind() != "binary_expression"
                || src.text_of(cond.child_by_field_name("left")?) != src.text_of(*var)
                || src.text_of(cond.child_by_field_name("operator")?) != "<"
                || src.text_of(update).replace(' ', "") != format!("{}++", src.text_of(*var))
            {
                return None;
            }
            let end = int(cond.child_by_field_name("right")?)?;
            end.checked_sub(start)
        }
    }
}

fn function_name(src: &Source<'_>, func: Node<'_>) -> String {
    match func.kind() {
        "function_declaration" | "method_declaration" => func
            .child_by_field_name("name")
            .map(|n| format!("`{}`", src.text_of(n)))
            .unwrap_or_else(|| "the function".to_string()),
        _ => "the function".to_string(),
    }
}

/// Makes the channel buffered with room for `n` values.
fn buffer(src: &Source<'_>, ty: Node<'_>, zero_cap: Option<Node<'_>>, n: u64) -> Fix {
    let edit = match zero_cap {
        Some(cap) => Edit::replace(cap.byte_range(), n.to_string()),
        None => Edit::insert(ty.end_byte(), format!(", {n}")),
    };
    Fix {
        id: "buffer-1",
        title: format!("Buffer the channel: `make({}, {n})`", snippet(src.text_of(ty))),
        edits: vec![edit],
        preferred: true,
    }
}
