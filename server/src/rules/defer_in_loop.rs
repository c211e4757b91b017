use std::collections::HashMap;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    assigned_names, call_args, is_function, is_noreturn_call, kind_id, method_call, snippet, unparen, visit_in_function,
};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "defer-in-loop",
    summary: "A `defer` in a loop body runs only when the function returns, so every iteration's resource is held until then.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/defer-in-loop.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds `defer` statements inside the body of a `for` loop of the same function, at any depth of
`if`, `switch` or `select` inside that body. A deferred call runs when the *function* returns, not
at the end of the iteration, so `defer f.Close()`, `defer rows.Close()` or `defer mu.Unlock()` in a
loop keeps every iteration's file, connection or lock until the whole loop is over.

It replaces gocritic's `deferInLoop` and revive's `defer` (`loop` option), with fewer false
alarms:

- a `defer` inside a function literal in the loop (`func() { defer f.Close() ... }()`) is the fix,
  not the hazard, and is never flagged;
- a `defer` followed in its block, or in an enclosing block inside the loop, by an unconditional
  `return`, `panic`, `os.Exit`/`log.Fatal`, `goto` or a `break` that leaves the loop runs at most
  once per run of the loop (the "retry until it works, then defer the close and stop" shape), so it
  is not flagged.

## Why it hurts under load

The cost grows with the number of iterations, and the number of iterations usually grows with the
input: a handler that opens one file, query or upstream response per item of a request holds all
of them until it returns. A batch of 10,000 items keeps 10,000 file descriptors, pooled database
connections or response buffers alive at once; the process hits its descriptor limit, the
connection pool runs dry and every other request waits for a connection, and memory that should
have been recycled per item is held for the whole request. A deferred `Unlock` in a loop is worse:
the second iteration deadlocks.

## Example

```go
func (s *Server) Export(c *gin.Context) {
	for _, name := range c.QueryArray("file") {
		f, err := os.Open(filepath.Join(s.dir, name))
		if err != nil {
			c.AbortWithStatus(http.StatusNotFound)
			return
		}
		defer f.Close() // every file stays open until Export returns
		io.Copy(c.Writer, f)
	}
}
```

## Fix

Give each iteration its own function so the deferred call runs at the end of the iteration: move
the body into a named helper, or wrap it in a function literal called on the spot. The code action
"Wrap the loop body in `func() { … }()`" (`wrap-in-func`, not preferred, because a named helper
usually reads better) does the latter; it is offered only when the body has no `return`, `goto`,
label, labelled `break`/`continue`, or `break`/`continue` that targets this loop, and no
`recover()`, since inside a function literal those would change meaning. Closing explicitly at the
end of the iteration (`f.Close()` instead of `defer f.Close()`) works too when no path leaves the
iteration early.

## What it cannot see

- A `defer` in a helper function called from a loop, or a loop that calls the function holding the
  `defer` (the function's own lifetime is what matters, and it cannot see who calls it).
- Loops that run only once by construction (`for i := 0; i < 1; i++`), or exit through an
  `if`/`else` whose branches all return: it counts only unconditional exits after the `defer`.
- Loops written with `goto` instead of `for`.
- A `defer` that releases the loop's own range variable (`for _, c := range conns { defer
  c.Close() }`) or a resource the loop keeps past the iteration (`blocks = append(blocks, b)`,
  `m[k] = b`) is not reported: the loop did not acquire the first, and the function still needs
  the second after the loop, so releasing them when it returns is the intent. A loop that keeps a
  resource that way and never uses it after the loop is missed.
- A `defer` whose call the iteration also makes itself, unconditionally and with no `continue`
  that could skip it (`defer w.Close()` as the net for early returns, then `w.Close()` at the end
  of the body), is not reported, even when the resource is large and the early returns are many.
"#;

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    let root: Node<'t> = src.root();
    let found = matches(src, RULE.id);
    if found.is_empty() {
        return;
    }
    // Only the top-level declarations holding a matched `defer` are walked: after a keystroke the
    // matches come from the edited declaration alone, and a walk of the whole file per keystroke
    // made this rule the costliest of the server's.
    let mut places = HashMap::new();
    let mut walked = std::collections::HashSet::new();
    let mut defers: Vec<usize> = found.iter().filter_map(|m| m.get("defer")).map(|d| d.start_byte()).collect();
    defers.sort_unstable();
    for defer in found.iter().filter_map(|m| m.get("defer")) {
        if let Some(item) = root.child_with_descendant(defer) {
            if walked.insert(item.id()) {
                places.extend(places_of_defers(item, &defers));
            }
        }
    }
    let mut fixes_of_loops: HashMap<usize, Option<Fix>> = HashMap::new();
    for m in found {
        let Some(defer) = m.get("defer") else { continue };
        let Some(call) = defer.named_child(0) else { continue };
        let Some(place) = places.get(&defer.id()) else { continue };
        let lp = place.lp;
        if runs_at_most_once(src, defer, place)
            || released_after_loop_on_purpose(src, call, lp)
            || released_each_iteration(src, defer, call, lp)
        {
            continue;
        }
        let func_name = function_name(src, place.func);
        let message = format!(
            "`defer {}` runs when {func_name} returns, not at the end of each iteration: every iteration's resource \
             stays held until the loop is over, so a long input holds them all at once",
            snippet(src.text_of(call))
        );
        let fixes =
            fixes_of_loops.entry(lp.id()).or_insert_with(|| wrap_in_func(src, lp)).clone().into_iter().collect();
        out.push(Finding {
            rule: RULE.id,
            severity: RULE.default_severity,
            message,
            range: defer.byte_range(),
            related: vec![Related {
                range: header_range(lp),
                message: "the loop whose iterations pile up the deferred calls".to_string(),
            }],
            fixes,
        });
    }
}

/// Whether the deferred call releases something that must stay held until the function returns
/// anyway: the loop's range variable (the loop acquired nothing, the collection was open before
/// it), or a value the loop body keeps in a collection that outlives the iteration (appended to
/// a slice or stored in a map or slice element), which the function uses after the loop. Those
/// `defer`s schedule a release at the right time, and reporting them was the most common false
/// alarm on real code (blocks opened in a loop and compacted together after it).
fn released_after_loop_on_purpose(src: &Source<'_>, call: Node<'_>, lp: Node<'_>) -> bool {
    let Some(body) = lp.child_by_field_name("body") else { return false };
    deferred_subjects(src, call).into_iter().any(|subject| {
        (is_range_variable(src, lp, subject) && !assigned_in(src, body, subject))
            || kept_in_outer_collection(src, body, subject)
    })
}

/// The variables a deferred call acts on: `x` in `defer x.Close()`, and the receivers of the
/// method calls inside `defer func() { ... x.Close() ... }()`.
fn deferred_subjects<'a>(src: &Source<'a>, call: Node<'_>) -> Vec<&'a str> {
    let mut out = Vec::new();
    if call.kind() != "call_expression" {
        return out;
    }
    let receiver = |n: Node<'_>, out: &mut Vec<&'a str>| {
        if let Some((recv, _)) = method_call(src, n) {
            let recv = unparen(recv);
            if recv.kind() == "identifier" {
                out.push(src.text_of(recv));
            }
        }
    };
    match call.child_by_field_name("function").map(unparen) {
        Some(lit) if lit.kind() == "func_literal" => visit_in_function(lit, |n| receiver(n, &mut out)),
        Some(_) => receiver(call, &mut out),
        None => {}
    }
    out
}

/// Whether every iteration releases the deferred resource itself: a later top-level statement of
/// the loop body calls the same method on the same variable as the deferred call (`w.Close()`,
/// also inside `err = errors.Join(err, w.Close())`), and no `continue` can skip it. The `defer` is
/// then only the net for the early returns, which leave the loop, and nothing piles up across
/// iterations.
fn released_each_iteration(src: &Source<'_>, defer: Node<'_>, call: Node<'_>, lp: Node<'_>) -> bool {
    let Some(body) = lp.child_by_field_name("body") else { return false };
    let mut releases: Vec<(&str, &str)> = Vec::new();
    let mut add = |n: Node<'_>| {
        if let Some((recv, method)) = method_call(src, n) {
            let recv = unparen(recv);
            if recv.kind() == "identifier" && src.imported_package(src.text_of(recv)).is_none() {
                releases.push((src.text_of(recv), method));
            }
        }
    };
    match call.child_by_field_name("function").map(unparen) {
        Some(lit) if lit.kind() == "func_literal" => visit_in_function(lit, &mut add),
        Some(_) => add(call),
        None => {}
    }
    if releases.is_empty() {
        return false;
    }
    let mut cursor = body.walk();
    let Some(list) = body.named_children(&mut cursor).find(|n| n.kind() == "statement_list") else { return false };
    let mut cursor = list.walk();
    let later = list.named_children(&mut cursor).skip_while(|s| s.end_byte() < defer.end_byte()).skip(1);
    let mut released = false;
    for stmt in later {
        // Only what runs unconditionally: a statement of its own, or the initializer of an `if`.
        let unconditional = match stmt.kind() {
            "expression_statement" | "assignment_statement" | "short_var_declaration" => Some(stmt),
            "if_statement" => stmt.child_by_field_name("initializer"),
            _ => None,
        };
        let Some(unconditional) = unconditional else { continue };
        visit_in_function(unconditional, |n| {
            released |= method_call(src, n).is_some_and(|(recv, method)| {
                let recv = src.text_of(unparen(recv));
                releases.iter().any(|&(r, m)| r == recv && m == method)
            });
        });
        if released {
            break;
        }
    }
    released && !continues(body, lp)
}

/// Whether a `continue` inside `body` can start the next iteration of `lp` (one inside a nested
/// loop without a label belongs to that loop; a labelled one is taken as ours).
fn continues(body: Node<'_>, lp: Node<'_>) -> bool {
    let mut found = false;
    visit_in_function(body, |n| {
        if found || n.kind() != "continue_statement" {
            return;
        }
        let labelled = n.named_child(0).is_some();
        let mut cur = n.parent();
        let mut nested = false;
        while let Some(p) = cur {
            if p.id() == lp.id() {
                break;
            }
            nested |= p.kind() == "for_statement";
            cur = p.parent();
        }
        found = labelled || !nested;
    });
    found
}

/// Whether `name` is declared by the loop's `range` clause.
fn is_range_variable(src: &Source<'_>, lp: Node<'_>, name: &str) -> bool {
    let mut cursor = lp.walk();
    let Some(left) =
        lp.named_children(&mut cursor).find(|n| n.kind() == "range_clause").and_then(|r| r.child_by_field_name("left"))
    else {
        return false;
    };
    let mut cursor = left.walk();
    let found = left.named_children(&mut cursor).any(|n| n.kind() == "identifier" && src.text_of(n) == name);
    found
}

/// Whether the loop body assigns or redeclares `name` (then the loop does acquire what it holds).
fn assigned_in(src: &Source<'_>, body: Node<'_>, name: &str) -> bool {
    let mut found = false;
    visit_in_function(body, |n| {
        found |= assigned_names(n).into_iter().any(|v| v.kind() == "identifier" && src.text_of(v) == name);
    });
    found
}

/// Whether the loop body keeps `name` past the iteration: `xs = append(xs, …, name, …)` or
/// `m[k] = name`, into a variable the body does not declare itself.
fn kept_in_outer_collection(src: &Source<'_>, body: Node<'_>, name: &str) -> bool {
    let mut declared_inside = Vec::new();
    visit_in_function(body, |n| {
        if matches!(n.kind(), "short_var_declaration" | "var_spec") {
            declared_inside.extend(assigned_names(n).into_iter().map(|v| src.text_of(v)));
        }
    });
    let root_name = |mut n: Node<'_>| {
        while matches!(n.kind(), "index_expression" | "selector_expression") {
            match n.child_by_field_name("operand") {
                Some(inner) => n = unparen(inner),
                None => break,
            }
        }
        (n.kind() == "identifier").then(|| src.text_of(n))
    };
    let mut found = false;
    visit_in_function(body, |n| {
        if found || n.kind() != "assignment_statement" {
            return;
        }
        let (Some(left), Some(right)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
            return;
        };
        if left.named_child_count() != 1 || right.named_child_count() != 1 {
            return;
        }
        let (Some(target), Some(value)) = (left.named_child(0).map(unparen), right.named_child(0).map(unparen)) else {
            return;
        };
        let is_name = |n: Node<'_>| n.kind() == "identifier" && src.text_of(n) == name;
        let kept = if target.kind() == "index_expression" {
            is_name(value)
        } else if value.kind() == "call_expression"
            && value.child_by_field_name("function").is_some_and(|f| src.text_of(f) == "append")
        {
            let args = call_args(value);
            args.first().is_some_and(|a| src.text_of(*a) == src.text_of(target))
                && args.iter().skip(1).any(|a| is_name(unparen(*a)))
        } else {
            false
        };
        found = kept && root_name(target).is_some_and(|t| !declared_inside.contains(&t));
    });
    found
}

/// Where a `defer` sits: its loop, the ancestors from the loop down to the `defer`'s parent, and
/// the function holding the loop.
struct Place<'t> {
    lp: Node<'t>,
    chain: Vec<Node<'t>>,
    func: Option<Node<'t>>,
}

/// For every `defer` statement whose nearest enclosing `for` or function is a `for` (so the loop
/// belongs to the same function), where it sits. One cursor walk keeps the ancestors on a stack:
/// `Node::parent` (and the sibling steps built on it) search down from the root, which would make
/// walking up from each `defer` quadratic on deeply nested code.
///
/// Only the subtrees holding the start of one of `defers` (sorted byte offsets) are entered: the
/// places of the other `defer` statements are never asked for, and most of a function holds no
/// `defer`.
fn places_of_defers<'t>(root: Node<'t>, defers: &[usize]) -> HashMap<usize, Place<'t>> {
    let holds_a_defer = |node: Node<'_>| {
        let first = defers.partition_point(|&d| d < node.start_byte());
        defers.get(first).is_some_and(|&d| d <= node.end_byte())
    };
    let mut out = HashMap::new();
    // All ancestors of the current node, and the indices among them of `for` statements and
    // functions, innermost last.
    let mut ancestors: Vec<Node<'_>> = Vec::new();
    let mut scopes: Vec<usize> = Vec::new();
    // The indices among the ancestors of the enclosing functions alone, innermost last.
    let mut funcs: Vec<usize> = Vec::new();
    // Kind ids, not names: this walk tests every node of the declarations holding a `defer`, and
    // `Node::kind` converts a C string per call.
    static IDS: std::sync::LazyLock<(u16, u16)> =
        std::sync::LazyLock::new(|| (kind_id("defer_statement"), kind_id("for_statement")));
    let (defer_statement, for_statement) = *IDS;
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.kind_id() == defer_statement {
            if let Some(&i) = scopes.last().filter(|&&i| ancestors[i].kind_id() == for_statement) {
                let func = funcs.last().map(|&j| ancestors[j]);
                out.insert(node.id(), Place { lp: ancestors[i], chain: ancestors[i..].to_vec(), func });
            }
        }
        if holds_a_defer(node) && cursor.goto_first_child() {
            if node.kind_id() == for_statement || is_function(node) {
                scopes.push(ancestors.len());
            }
            if is_function(node) {
                funcs.push(ancestors.len());
            }
            ancestors.push(node);
            continue;
        }
        // Leave finished nodes, popping what they pushed, until a sibling is found.
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
            ancestors.pop();
            if scopes.last().is_some_and(|&i| i == ancestors.len()) {
                scopes.pop();
            }
            if funcs.last().is_some_and(|&i| i == ancestors.len()) {
                funcs.pop();
            }
        }
    }
}

/// Whether a statement after the `defer` (in its own block or an enclosing block inside the loop)
/// leaves the loop unconditionally, so the `defer` runs at most once per run of the loop.
fn runs_at_most_once(src: &Source<'_>, defer: Node<'_>, place: &Place<'_>) -> bool {
    // Pairs (statement, its parent) from the `defer` up to the loop body.
    let mut stmt = defer;
    for (i, &parent) in place.chain.iter().enumerate().rev() {
        if parent.kind() == "statement_list" {
            let mut cursor = parent.walk();
            let later = parent.named_children(&mut cursor).skip_while(|n| n.id() != stmt.id()).skip(1);
            let ancestors = &place.chain[..=i];
            if later.into_iter().any(|s| leaves_loop(src, s, place.lp, ancestors)) {
                return true;
            }
        }
        stmt = parent;
    }
    false
}

/// Whether the statement `s`, inside loop `lp`, always leaves the loop when it runs. `ancestors`
/// runs from the loop down to the statement's parent.
fn leaves_loop(src: &Source<'_>, s: Node<'_>, lp: Node<'_>, ancestors: &[Node<'_>]) -> bool {
    match s.kind() {
        "return_statement" | "goto_statement" => true,
        "expression_statement" => {
            s.named_child(0).is_some_and(|c| c.kind() == "call_expression" && is_noreturn_call(src, c))
        }
        "break_statement" => match s.named_child(0).filter(|l| l.kind() == "label_name") {
            // `break L` leaves the loop when `L` labels the loop itself; a label further out is
            // outside the chain and counts too, since a label inside the loop cannot be broken to
            // from below it unless it encloses the break.
            Some(label) => {
                let name = src.text_of(label);
                !ancestors.iter().skip(1).any(|n| {
                    n.kind() == "labeled_statement"
                        && n.child_by_field_name("label").is_some_and(|l| src.text_of(l) == name)
                }) && label_around_loop(src, lp, name)
            }
            // A plain `break` leaves the loop unless a `switch`, `select` or inner `for` in between
            // takes it.
            None => !ancestors.iter().skip(1).any(|n| {
                matches!(
                    n.kind(),
                    "expression_switch_statement" | "type_switch_statement" | "select_statement" | "for_statement"
                )
            }),
        },
        _ => false,
    }
}

/// Whether the label `name` belongs to the loop or to a statement around it. Called only for a
/// finding candidate, so the walk up is rare.
fn label_around_loop(src: &Source<'_>, lp: Node<'_>, name: &str) -> bool {
    let mut cur = Some(lp);
    while let Some(n) = cur {
        if is_function(n) {
            return false;
        }
        if n.kind() == "labeled_statement" && n.child_by_field_name("label").is_some_and(|l| src.text_of(l) == name) {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// "`Name`" for a declared function or method, "the enclosing function literal" otherwise.
fn function_name(src: &Source<'_>, func: Option<Node<'_>>) -> String {
    match func {
        Some(f) if f.kind() != "func_literal" => f
            .child_by_field_name("name")
            .map(|name| format!("`{}`", src.text_of(name)))
            .unwrap_or_else(|| "the function".to_string()),
        Some(_) => "the enclosing function literal".to_string(),
        None => "the function".to_string(),
    }
}

/// The `for` keyword and its clauses, without the body.
fn header_range(lp: Node<'_>) -> std::ops::Range<usize> {
    let end = lp.child_by_field_name("body").map_or(lp.end_byte(), |b| b.start_byte());
    lp.start_byte()..end.max(lp.start_byte())
}

const MAX_WRAPPED_BODY: usize = 16 * 1024;

/// Wraps the loop body in `func() { … }()` when that keeps its meaning: nothing in it jumps out of
/// the iteration (a `return` would return from the literal, a `break` or `continue` of this loop
/// would not compile), and the braces sit on lines of their own so the body can be re-indented.
fn wrap_in_func(src: &Source<'_>, lp: Node<'_>) -> Option<Fix> {
    let body = lp.child_by_field_name("body")?;
    // A body this large is better split by hand, and checking it per loop would make nested
    // loops quadratic.
    if body.byte_range().len() > MAX_WRAPPED_BODY || !body_can_be_wrapped(src, body) {
        return None;
    }
    let open = body.start_byte();
    let close = body.end_byte().checked_sub(1)?;
    if src.text.get(open..open + 1) != Some("{") || src.text.get(close..close + 1) != Some("}") {
        return None;
    }
    let inner_start = src.line_end_inclusive(open);
    let inner_end = src.line_start(close);
    // `{` must end its line and `}` must start its own, with statements between them.
    if !src.text.get(open + 1..inner_start)?.trim().is_empty()
        || !src.text.get(inner_end..close)?.trim().is_empty()
        || inner_start >= inner_end
    {
        return None;
    }
    let inner = src.text.get(inner_start..inner_end)?;
    if inner.trim().is_empty() {
        return None;
    }
    let nl = src.newline();
    let indent = src.indent_at(close);
    let mut text = format!("{indent}\tfunc() {{{nl}");
    for line in inner.split_inclusive('\n') {
        if line.trim().is_empty() {
            text.push_str(nl);
        } else {
            text.push('\t');
            text.push_str(line);
        }
    }
    text.push_str(&format!("{indent}\t}}(){nl}"));
    Some(Fix {
        id: "wrap-in-func",
        title: "Wrap the loop body in `func() { … }()` so deferred calls run at the end of each iteration".to_string(),
        edits: vec![Edit::replace(inner_start..inner_end, text)],
        preferred: false,
    })
}

/// Whether moving `body` into a function literal keeps its meaning and its text.
fn body_can_be_wrapped(src: &Source<'_>, body: Node<'_>) -> bool {
    let mut ok = true;
    visit_in_function(body, |n| {
        if !ok {
            return;
        }
        let labelled = n.named_child(0).is_some_and(|l| l.kind() == "label_name");
        let recover = n.child_by_field_name("function").is_some_and(|f| src.text_of(f) == "recover");
        match n.kind() {
            "return_statement" | "goto_statement" | "labeled_statement" => ok = false,
            "break_statement" | "continue_statement" if labelled || !has_inner_target(n, body) => ok = false,
            // Re-indenting would change the text of a multi-line raw string.
            "raw_string_literal" if src.text_of(n).contains('\n') => ok = false,
            "call_expression" if recover => ok = false,
            _ => {}
        }
    });
    ok
}

/// Whether a plain `break`/`continue` targets a statement inside `body` rather than its loop.
fn has_inner_target(stmt: Node<'_>, body: Node<'_>) -> bool {
    let breaks = stmt.kind() == "break_statement";
    let mut cur = stmt.parent();
    while let Some(n) = cur {
        if n.id() == body.id() {
            return false;
        }
        match n.kind() {
            "for_statement" => return true,
            "expression_switch_statement" | "type_switch_statement" | "select_statement" if breaks => return true,
            _ => {}
        }
        cur = n.parent();
    }
    false
}
