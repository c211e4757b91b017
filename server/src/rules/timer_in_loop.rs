use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    assigned_names, assignment_of, call_args, declaration_of, enclosing_function, is_function, is_noreturn_call,
    is_pkg_call, method_call, outermost_function, snippet, unparen, visit_all, visit_in_function, Declared,
};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "timer-in-loop",
    summary: "Before Go 1.23, `time.After` in a looping `select` and `time.Tick` in a function that returns keep their timers alive until they fire, or forever.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/timer-in-loop.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds two timer leaks of Go before 1.23, where the runtime keeps an unstopped timer alive until it
fires, whether or not anything still references it:

- `time.After(d)` as a case of a `select` that runs in a `for` loop of the same function: each
  iteration creates a new timer, and each lives for the full `d`;
- `time.Tick(d)` (which can never be stopped) outside package `main`, outside tests, and outside
  functions that never return: each call leaks a ticker that fires forever. This is staticcheck's
  SA1015, which it replaces.

The module's Go version decides. The rule reads the `go` directive of the nearest `go.mod`: from
`go 1.23` on, unreferenced timers and tickers are collected (and `time.After` in a loop is what the
`time` documentation recommends), so the rule reports nothing. When the version is unknown (no
`go.mod` was found, for example for a file opened on its own), it assumes the old behaviour: a
`go.mod` without a `go` directive means Go 1.16, and reporting a timer that turns out to be
collected costs less than missing one that is not.

It stays quiet where the timers cannot pile up:

- a constant duration under one second (`time.After(100 * time.Millisecond)`): each timer is gone
  within a second, so the pile is bounded by one second of iterations;
- a `select` whose other cases all leave the loop (`return`, `panic`, `goto`, a labelled
  `break`): the loop only goes round when the timer has fired, so at most one timer is alive (the
  heartbeat loop `case <-ctx.Done(): return; case <-time.After(d): ping()`);
- a `time.After` created before the loop and received from inside it (the usual overall deadline);
- a `select` whose other case is `<-ctx.Done()` (any `X.Done()`) when another `select` in the
  loop leaves it on the same `X.Done()`: the loop goes round through that case at most once (the
  retry loop that checks `ctx.Done()` at its top and waits on `ctx.Done()` or the backoff timer);
- a loop that runs a constant number of times (`for range 3`, `for i := 0; i < 3; i++`): its
  timers are bounded by that count, not by the load;
- tests (`_test.go` files, `Test…`/`Benchmark…`/`Fuzz…`/`Example…` functions): a test's timeout
  loop (`case <-time.After(5 * time.Second): t.Fatal(…)`) runs for the length of the test, not
  under load, and its timers go with the test binary;
- `time.Tick` in package `main`, in `init`, and in functions that end in an endless `for` with no
  `return` and no `break` out of it: there the ticker is meant to run for the whole program.

## Why it hurts under load

`time.After(5 * time.Minute)` in a loop that handles a message per iteration allocates a timer, its
channel and its heap entry per message, and keeps each for five minutes: at 2,000 messages a
second that is 600,000 live timers, tens of megabytes and an ever larger timer heap that every
`select` and the scheduler have to maintain, so the loop slows down as the load it serves grows.
A `time.Tick` in a handler, a client method or a per-connection goroutine leaks one ticker per call
for the life of the process: memory and timer-heap work grow with the number of requests ever
served, until a restart.

## Example

```go
func (s *Stream) Pump(c *gin.Context) {
	for {
		select {
		case ev := <-s.events:
			c.SSEvent("message", ev)
			c.Writer.Flush()
		case <-time.After(30 * time.Second): // a new 30 s timer per event
			return
		}
	}
}
```

## Fix

Create one timer (or ticker) and reuse it. The quick fixes handle the simple shapes:

- `use-timer` (for `time.After`): declares `timer := time.NewTimer(d)` and `defer timer.Stop()`
  before the loop, stops, drains and resets the timer right before the `select` (the form that is
  correct on every Go version), and receives from `timer.C`. Offered when the loop is a statement
  of the function's own body (so the `defer` runs once), the `select` stands on its own line, and
  `d` does not depend on anything declared or changed inside the loop.
- `use-ticker` (for `time.Tick`): turns `tick := time.Tick(d)` at the top level of a function body
  into `ticker := time.NewTicker(d)`, `defer ticker.Stop()`, `tick := ticker.C`. Offered only for a
  constant, positive `d`, since `time.NewTicker` panics where `time.Tick` returns nil.

Upgrading the module to `go 1.23` or later is the other fix.

## What it cannot see

- Which module builds the code: the timer behaviour follows the main module's `go` version, and a
  library is analysed with its own `go.mod`.
- `GODEBUG=asynctimerchan=1`, which brings the old behaviour back on newer versions.
- Timers created in a helper called from the loop, or `time.NewTimer` without `Stop` (see
  `ticker-not-stopped`).
- Loops written with `goto`, and durations held in variables (those are reported, whatever value
  they hold at run time).
"#;

const TIME: &str = "time";

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    // From Go 1.23 on, the runtime collects unreferenced timers and tickers.
    if src.file.go_version.is_some_and(|v| v >= (1, 23)) {
        return;
    }
    let root: Node<'t> = src.root();
    for m in matches(src, RULE.id) {
        if let (Some(call), Some(select)) = (m.get("after.call"), m.get("after.select")) {
            if let Some(f) = after_in_loop(src, call, select) {
                out.push(f);
            }
        }
        if let Some(call) = m.get("tick.call") {
            if let Some(f) = leaky_tick(src, root, call) {
                out.push(f);
            }
        }
    }
}

fn after_in_loop<'t>(src: &Source<'t>, call: Node<'t>, select: Node<'t>) -> Option<Finding> {
    if !is_time_call(src, call, &["After"]) {
        return None;
    }
    if src.file.is_test || in_test_function(src, call) {
        return None;
    }
    let lp = enclosing_loop(select)?;
    if counted_by_constant(src, lp) {
        return None;
    }
    let arg = *call_args(call).first()?;
    if const_seconds(src, arg).is_some_and(|s| s < 1.0) {
        return None;
    }
    if other_cases_leave(src, select, call, lp) {
        return None;
    }
    Some(Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message: format!(
            "`{}` creates a new timer on every iteration and, before Go 1.23, each one stays in memory until it fires: \
             the busier the loop, the more timers pile up in the heap",
            snippet(src.text_of(call))
        ),
        range: call.byte_range(),
        related: vec![Related { range: header_range(lp), message: "the loop that runs the select".to_string() }],
        fixes: use_timer(src, call, arg, select, lp).into_iter().collect(),
    })
}

fn leaky_tick<'t>(src: &Source<'t>, root: Node<'t>, call: Node<'t>) -> Option<Finding> {
    if !is_time_call(src, call, &["Tick"]) || src.file.is_test || is_main_package(src, root) {
        return None;
    }
    let func = enclosing_function(call)?;
    if in_test_function(src, call) || top_function_name(src, call) == "init" {
        return None;
    }
    if is_endless(src, func, call) {
        return None;
    }
    Some(Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message: format!(
            "`{}` starts a ticker that can never be stopped and, before Go 1.23, is never collected: every call of this \
             function leaks one for the life of the process",
            snippet(src.text_of(call))
        ),
        range: call.byte_range(),
        related: Vec::new(),
        fixes: use_ticker(src, call).into_iter().collect(),
    })
}

/// The name of the top-level function declaration around `node`, empty outside one.
fn top_function_name<'a>(src: &Source<'a>, node: Node<'_>) -> &'a str {
    outermost_function(node)
        .filter(|f| f.kind() != "func_literal")
        .and_then(|f| f.child_by_field_name("name"))
        .map_or("", |n| src.text_of(n))
}

/// Whether `node` is inside a `Test…`, `Benchmark…`, `Fuzz…` or `Example…` function.
fn in_test_function(src: &Source<'_>, node: Node<'_>) -> bool {
    let name = top_function_name(src, node);
    ["Test", "Benchmark", "Fuzz", "Example"].iter().any(|p| name.starts_with(p))
}

/// Whether the loop runs a number of times written as an integer literal (`for range 3`,
/// `for i := 0; i < 3; i++`): its timers cannot pile up with load, whatever the count.
fn counted_by_constant(src: &Source<'_>, lp: Node<'_>) -> bool {
    let mut cursor = lp.walk();
    let Some(header) = lp.named_children(&mut cursor).find(|n| matches!(n.kind(), "range_clause" | "for_clause"))
    else {
        return false;
    };
    let bound = if header.kind() == "range_clause" {
        header.child_by_field_name("right")
    } else {
        header
            .child_by_field_name("condition")
            .filter(|c| c.kind() == "binary_expression")
            .filter(|c| c.child_by_field_name("operator").is_some_and(|o| matches!(src.text_of(o), "<" | "<=")))
            .and_then(|c| c.child_by_field_name("right"))
    };
    bound.map(unparen).is_some_and(|b| b.kind() == "int_literal")
}

fn is_main_package(src: &Source<'_>, root: Node<'_>) -> bool {
    let mut cursor = root.walk();
    let pkg = root.named_children(&mut cursor).find(|n| n.kind() == "package_clause");
    pkg.and_then(|p| p.named_child(0)).is_some_and(|n| src.text_of(n) == "main")
}

/// The nearest `for` statement whose body holds `node`, within the same function.
fn enclosing_loop(node: Node<'_>) -> Option<Node<'_>> {
    let mut child = node;
    let mut cur = node.parent();
    while let Some(n) = cur {
        if is_function(n) {
            return None;
        }
        if n.kind() == "for_statement" && n.child_by_field_name("body") == Some(child) {
            return Some(n);
        }
        child = n;
        cur = n.parent();
    }
    None
}

fn header_range(lp: Node<'_>) -> std::ops::Range<usize> {
    let end = lp.child_by_field_name("body").map_or(lp.end_byte(), |b| b.start_byte());
    lp.start_byte()..end.max(lp.start_byte())
}

/// Whether every case of the `select` but the one receiving from `after` ends by leaving the loop
/// `lp`. The loop then only goes round when the timer has fired, so at most one timer is alive.
fn other_cases_leave(src: &Source<'_>, select: Node<'_>, after: Node<'_>, lp: Node<'_>) -> bool {
    let mut cursor = select.walk();
    let cases: Vec<Node<'_>> = select
        .named_children(&mut cursor)
        .filter(|c| matches!(c.kind(), "communication_case" | "default_case"))
        .filter(|c| !(c.start_byte() <= after.start_byte() && after.end_byte() <= c.end_byte()))
        .collect();
    cases.iter().all(|case| case_leaves(src, *case, lp) || done_checked_elsewhere(src, *case, lp))
}

/// Whether the case's last statement always leaves the loop.
fn case_leaves(src: &Source<'_>, case: Node<'_>, lp: Node<'_>) -> bool {
    let mut c2 = case.walk();
    let list = case.named_children(&mut c2).find(|n| n.kind() == "statement_list");
    let last = list.and_then(|l| {
        let mut c3 = l.walk();
        l.named_children(&mut c3).filter(|n| n.kind() != "comment").last()
    });
    last.is_some_and(|s| leaves(src, s, lp))
}

/// For a case `<-X.Done()`, the text `X.Done()`.
fn done_receive<'a>(src: &Source<'a>, case: Node<'_>) -> Option<&'a str> {
    let comm = case.child_by_field_name("communication")?;
    let unary = match comm.kind() {
        "receive_statement" => comm.child_by_field_name("right")?,
        "unary_expression" => comm,
        _ => return None,
    };
    let operand = unparen(unary.child_by_field_name("operand")?);
    let (_, method) = method_call(src, operand)?;
    (method == "Done" && call_args(operand).is_empty()).then(|| src.text_of(operand))
}

/// Whether a case `<-X.Done()` that stays in the loop is followed, elsewhere in the loop, by a
/// case on the same `X.Done()` that leaves it (`select { case <-ctx.Done(): return; default: }` at
/// the top of a retry loop). A done channel stays closed once closed, so the loop goes round
/// through this case at most once, and its timers cannot pile up.
fn done_checked_elsewhere(src: &Source<'_>, case: Node<'_>, lp: Node<'_>) -> bool {
    let Some(done) = done_receive(src, case) else { return false };
    let Some(body) = lp.child_by_field_name("body") else { return false };
    let mut found = false;
    visit_in_function(body, |n| {
        found |= !found
            && n.kind() == "communication_case"
            && n.id() != case.id()
            && done_receive(src, n) == Some(done)
            && case_leaves(src, n, lp);
    });
    found
}

/// Whether statement `s` always leaves the loop `lp`. A plain `break` inside a `select` only
/// leaves the `select`, so it does not count.
fn leaves(src: &Source<'_>, s: Node<'_>, lp: Node<'_>) -> bool {
    match s.kind() {
        "return_statement" | "goto_statement" => true,
        "expression_statement" => {
            s.named_child(0).is_some_and(|c| c.kind() == "call_expression" && is_noreturn_call(src, c))
        }
        "break_statement" => s.named_child(0).filter(|l| l.kind() == "label_name").is_some_and(|label| {
            let name = src.text_of(label);
            let mut cur = s.parent();
            while let Some(n) = cur {
                if is_function(n) {
                    return false;
                }
                if n.kind() == "labeled_statement"
                    && n.child_by_field_name("label").is_some_and(|l| src.text_of(l) == name)
                {
                    return n.start_byte() <= lp.start_byte() && lp.end_byte() <= n.end_byte();
                }
                cur = n.parent();
            }
            false
        }),
        _ => false,
    }
}

/// The value in seconds of a constant duration expression (`30 * time.Second`, `time.Minute`,
/// `500 * time.Millisecond`, `time.Duration(2) * time.Hour`), if it is one.
fn const_seconds(src: &Source<'_>, expr: Node<'_>) -> Option<f64> {
    const_nanos(src, expr, 0).map(|ns| ns / 1e9)
}

/// How deep `const_nanos` recurses before giving up: real durations are a handful of terms, and a
/// machine-made expression thousands deep must not overflow the stack.
const MAX_DURATION_DEPTH: usize = 32;

/// Go's constant arithmetic on durations counts nanoseconds: `30 * time.Second` is 30 × 1e9.
fn const_nanos(src: &Source<'_>, expr: Node<'_>, depth: usize) -> Option<f64> {
    if depth > MAX_DURATION_DEPTH {
        return None;
    }
    let depth = depth + 1;
    let e = unparen(expr);
    match e.kind() {
        "int_literal" | "float_literal" => number(src.text_of(e)),
        "selector_expression" => {
            let operand = e.child_by_field_name("operand")?;
            if operand.kind() != "identifier" || !is_time_package(src, operand) {
                return None;
            }
            match src.text_of(e.child_by_field_name("field")?) {
                "Nanosecond" => Some(1.0),
                "Microsecond" => Some(1e3),
                "Millisecond" => Some(1e6),
                "Second" => Some(1e9),
                "Minute" => Some(60e9),
                "Hour" => Some(3600e9),
                _ => None,
            }
        }
        "unary_expression" => {
            let op = src.text_of(e.child_by_field_name("operator")?);
            let v = const_nanos(src, e.child_by_field_name("operand")?, depth)?;
            match op {
                "-" => Some(-v),
                "+" => Some(v),
                _ => None,
            }
        }
        "binary_expression" => {
            let l = const_nanos(src, e.child_by_field_name("left")?, depth)?;
            let r = const_nanos(src, e.child_by_field_name("right")?, depth)?;
            match src.text_of(e.child_by_field_name("operator")?) {
                "*" => Some(l * r),
                "+" => Some(l + r),
                "-" => Some(l - r),
                "/" if r != 0.0 => Some(l / r),
                _ => None,
            }
        }
        "call_expression" if is_time_call(src, e, &["Duration"]) => const_nanos(src, *call_args(e).first()?, depth),
        _ => None,
    }
}

/// Whether `call` is `time.<name>` of the standard library, with `time` not shadowed by a local
/// name (a `time clock` parameter, say).
fn is_time_call(src: &Source<'_>, call: Node<'_>, names: &[&str]) -> bool {
    is_pkg_call(src, call, TIME, names)
        && call
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("operand"))
            .is_some_and(|pkg| is_time_package(src, pkg))
}

fn is_time_package(src: &Source<'_>, ident: Node<'_>) -> bool {
    let name = src.text_of(ident);
    src.is_package(name, TIME) && declaration_of(src, ident, name).is_none()
}

fn number(text: &str) -> Option<f64> {
    let t: String = text.chars().filter(|c| *c != '_').collect();
    t.parse::<f64>().ok()
}

/// Whether the function never returns: no `return`, `goto` or `break` out of a loop, and its body
/// ends in an endless `for` (no condition, or a range over the ticker).
fn is_endless(src: &Source<'_>, func: Node<'_>, tick: Node<'_>) -> bool {
    let Some(body) = func.child_by_field_name("body") else { return false };
    let mut exits = false;
    visit_in_function(body, |n| match n.kind() {
        "return_statement" | "goto_statement" => exits = true,
        "break_statement" => {
            if n.named_child(0).is_some_and(|l| l.kind() == "label_name") {
                exits = true;
                return;
            }
            // A plain break leaves the nearest for, switch or select; only a for counts.
            let mut cur = n.parent();
            while let Some(p) = cur {
                match p.kind() {
                    "for_statement" => {
                        exits = true;
                        return;
                    }
                    "expression_switch_statement" | "type_switch_statement" | "select_statement" => return,
                    _ => {}
                }
                cur = p.parent();
            }
        }
        _ => {}
    });
    if exits {
        return false;
    }
    let Some(list) = body.named_child(0).filter(|l| l.kind() == "statement_list") else { return false };
    let mut cursor = list.walk();
    let Some(last) = list.named_children(&mut cursor).filter(|n| n.kind() != "comment").last() else { return false };
    if last.kind() != "for_statement" {
        return false;
    }
    let mut c2 = last.walk();
    let header: Vec<Node<'_>> =
        last.named_children(&mut c2).filter(|n| n.kind() != "block" && n.kind() != "comment").collect();
    match header.as_slice() {
        [] => true,
        [range] if range.kind() == "range_clause" => range.child_by_field_name("right").is_some_and(|r| {
            let r = unparen(r);
            r.id() == tick.id()
                || r.kind() == "identifier"
                    && matches!(declaration_of(src, r, src.text_of(r)),
                        Some(Declared::Var { value: Some(v), .. }) if unparen(v).id() == tick.id())
        }),
        _ => false,
    }
}

/// Whether an identifier named `name` appears anywhere in `root`.
fn name_used(src: &Source<'_>, root: Node<'_>, name: &str) -> bool {
    let mut used = false;
    visit_all(root, |n| used |= n.kind() == "identifier" && src.text_of(n) == name);
    used
}

/// The start of the declaration a name resolves to at `at` (`usize::MAX` for none, that is
/// package level).
fn declaration_key(src: &Source<'_>, at: Node<'_>, name: &str) -> usize {
    match declaration_of(src, at, name) {
        Some(Declared::Param(p)) => p.name.start_byte(),
        Some(Declared::Var { stmt, .. }) => stmt.start_byte(),
        Some(Declared::Other(n)) => n.start_byte(),
        None => usize::MAX,
    }
}

/// Whether the duration `expr`, evaluated once before the loop, has the value it has inside it:
/// literals, `time` units, conversions, and names declared before the loop.
fn stable_before_loop(src: &Source<'_>, expr: Node<'_>, lp: Node<'_>) -> bool {
    let mut ok = true;
    visit_all(expr, |n| match n.kind() {
        "call_expression" if !is_time_call(src, n, &["Duration"]) => ok = false,
        "identifier" => {
            let name = src.text_of(n);
            let inside = declaration_key(src, n, name);
            if inside != declaration_key(src, lp, name) || (inside != usize::MAX && inside >= lp.start_byte()) {
                ok = false;
            }
        }
        _ => {}
    });
    ok
}

/// The statement of a function's own body that holds `node` (`node` itself or its label).
fn top_level_statement<'t>(node: Node<'t>) -> Option<Node<'t>> {
    let mut stmt = node;
    if stmt.parent()?.kind() == "labeled_statement" {
        stmt = stmt.parent()?;
    }
    let list = stmt.parent()?;
    let block = list.parent()?;
    (list.kind() == "statement_list" && block.kind() == "block" && block.parent().is_some_and(is_function))
        .then_some(stmt)
}

fn own_line(src: &Source<'_>, node: Node<'_>) -> bool {
    src.text[src.line_start(node.start_byte())..node.start_byte()].trim().is_empty()
}

/// Replaces `time.After(d)` in a looping select by one timer, reset before each select.
fn use_timer(src: &Source<'_>, call: Node<'_>, arg: Node<'_>, select: Node<'_>, lp: Node<'_>) -> Option<Fix> {
    let loop_stmt = top_level_statement(lp)?;
    if select.parent()?.kind() != "statement_list" || !own_line(src, select) || !own_line(src, loop_stmt) {
        return None;
    }
    if !stable_before_loop(src, arg, lp) {
        return None;
    }
    let func = enclosing_function(lp)?;
    let name = ["timer", "idleTimer", "timeoutTimer"].into_iter().find(|n| !name_used(src, func, n))?;
    let pkg = src.text_of(call.child_by_field_name("function")?.child_by_field_name("operand")?);
    let d = src.text_of(arg);
    let nl = src.newline();
    let outer = src.indent_at(loop_stmt.start_byte());
    let inner = src.indent_at(select.start_byte());
    let before_loop = format!("{outer}{name} := {pkg}.NewTimer({d}){nl}{outer}defer {name}.Stop(){nl}");
    let before_select = format!(
        "{inner}if !{name}.Stop() {{{nl}\
         {inner}\tselect {{{nl}\
         {inner}\tcase <-{name}.C:{nl}\
         {inner}\tdefault:{nl}\
         {inner}\t}}{nl}\
         {inner}}}{nl}\
         {inner}{name}.Reset({d}){nl}"
    );
    Some(Fix {
        id: "use-timer",
        title: format!("Reuse one `{pkg}.NewTimer` across iterations"),
        edits: vec![
            Edit::insert(src.line_start(loop_stmt.start_byte()), before_loop),
            Edit::insert(src.line_start(select.start_byte()), before_select),
            Edit::replace(call.byte_range(), format!("{name}.C")),
        ],
        preferred: true,
    })
}

/// Turns `tick := time.Tick(d)` at the top of a function body into a stopped ticker.
fn use_ticker(src: &Source<'_>, call: Node<'_>) -> Option<Fix> {
    let stmt = assignment_of(call)?;
    if stmt.kind() != "short_var_declaration" || assigned_names(stmt).len() != 1 {
        return None;
    }
    let right = stmt.child_by_field_name("right")?;
    if right.named_child_count() != 1 {
        return None;
    }
    top_level_statement(stmt)?;
    if !own_line(src, stmt) {
        return None;
    }
    let arg = *call_args(call).first()?;
    if !const_seconds(src, arg).is_some_and(|s| s > 0.0) {
        return None;
    }
    let func = enclosing_function(stmt)?;
    let ticker = ["ticker", "tickerObj"].into_iter().find(|n| !name_used(src, func, n))?;
    let var = src.text_of(assigned_names(stmt)[0]);
    let pkg = src.text_of(call.child_by_field_name("function")?.child_by_field_name("operand")?);
    let nl = src.newline();
    let indent = src.indent_at(stmt.start_byte());
    Some(Fix {
        id: "use-ticker",
        title: format!("Use `{pkg}.NewTicker` and stop it when the function returns"),
        edits: vec![Edit::replace(
            stmt.byte_range(),
            format!(
                "{ticker} := {pkg}.NewTicker({}){nl}{indent}defer {ticker}.Stop(){nl}{indent}{var} := {ticker}.C",
                src.text_of(arg)
            ),
        )],
        preferred: true,
    })
}

#[cfg(test)]
mod tests {
    use crate::analysis::{analyze_file, index::Index, parse, FileInfo};
    use crate::config::Config;

    const LOOP: &str = "package svc\n\nimport \"time\"\n\nfunc Pump(events chan string) {\n\tfor {\n\t\tselect {\n\t\tcase <-events:\n\t\tcase <-time.After(30 * time.Second):\n\t\t\treturn\n\t\t}\n\t}\n}\n\nfunc Poll() {\n\ttick := time.Tick(time.Minute)\n\t<-tick\n}\n";

    fn findings(version: Option<(u32, u32)>) -> usize {
        findings_in(FileInfo { go_version: version, ..FileInfo::default() })
    }

    fn findings_in(file: FileInfo) -> usize {
        let tree = parse(LOOP, None);
        analyze_file(LOOP, &tree, &Config::default(), &file, &Index::default())
            .iter()
            .filter(|f| f.rule == "timer-in-loop")
            .count()
    }

    #[test]
    fn old_and_unknown_versions_are_reported() {
        assert_eq!(findings(Some((1, 22))), 2);
        assert_eq!(findings(Some((1, 16))), 2);
        assert_eq!(findings(None), 2, "an unknown version is treated as before 1.23");
    }

    #[test]
    fn test_files_are_not_reported() {
        assert_eq!(findings_in(FileInfo { is_test: true, go_version: None }), 0);
    }

    #[test]
    fn go_1_23_and_later_collect_timers() {
        assert_eq!(findings(Some((1, 23))), 0);
        assert_eq!(findings(Some((1, 24))), 0);
        assert_eq!(findings(Some((2, 0))), 0);
    }
}
