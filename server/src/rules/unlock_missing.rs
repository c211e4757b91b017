use std::collections::HashSet;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{call_args, enclosing_function, method_call, next_statement, unparen, visit_all};
use crate::analysis::resource::{self, closure_around, contains, Acquired, Outcome, Resource};
use crate::analysis::{Edit, Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "unlock-missing",
    summary: "A `Lock()` or `RLock()` with a return path that does not unlock.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/unlock-missing.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds `x.Lock()` and `x.RLock()` statements (no arguments: `l.Lock(ctx)` and locks whose result is
used are other APIs) after which some path leaves the function, or starts the next iteration of a
loop around the `Lock`, without `x.Unlock()` (`x.RUnlock()` for `RLock`) on the same receiver
expression and without a deferred unlock (`defer x.Unlock()` or a deferred closure that unlocks).
Paths ending in `panic`, `os.Exit` or `log.Fatal` do not count.

To stay precise it reports only functions that unlock the receiver themselves on some path: a
function that locks and never unlocks hands the lock to its caller (`Acquire`/`Release` pairs) and
is left alone. It is also quiet for

- functions whose name says they deal in the lock for their caller: any name containing `lock`
  (`lock`, `lockShard`, `mustLock`, `unlockAndWait`, `flushLocked`);
- functions that unlock through a helper (`defer s.unlock()`, `unlockAll()`) or in a goroutine or a
  closure that is not deferred;
- a `Lock` after a deferred unlock of the same receiver (`defer mu.Unlock()`, then `mu.Unlock()`,
  slow work and `mu.Lock()` again), which the defer releases;
- a function whose first use of the lock is an unlock: it was handed the lock held (a goroutine
  that passes a lock back and forth with the function that started it);
- a `Lock` under a condition with an unlock under another condition (`if shared { mu.Lock() }` …
  `if shared { mu.Unlock() }`), whose correlation a path walk cannot see.

## Why it hurts under load

A mutex left locked on one return path is a deadlock waiting for that path: the next `Lock` on it
blocks forever. In a server the path is usually an error branch (a failed lookup, a validation
error) that tests rarely take, and production takes it under load: from then on every request that
touches the mutex parks a goroutine, memory grows with each parked goroutine and its request, the
service stops answering while still accepting connections, and only a restart clears it.

## Example

```go
func (c *Cache) Get(key string) (Item, error) {
	c.mu.Lock()
	it, ok := c.items[key]
	if !ok {
		return Item{}, ErrMiss // c.mu stays locked
	}
	c.mu.Unlock()
	return it, nil
}
```

## Fix

Unlock on every path: before each `return`, or with `defer c.mu.Unlock()` right after the `Lock`
when holding the lock to the end of the function is acceptable. A `defer` extends the critical
section to the whole rest of the function, so the quick fix (`defer-unlock`) is offered only where
it changes nothing else: the `Lock` is a top-level statement of the function, the only unlock is the
function's last statement (or is followed only by a `return` whose values call nothing), and it
replaces that unlock with `defer c.mu.Unlock()` after the `Lock`.

## What it cannot see

- Locks taken in one function and released in another, in either direction (see above).
- The receiver's type: any `Lock()`/`Unlock()` pair on the same expression is treated as a lock;
  the same mutex reached through two different expressions (`mu := &s.mu`) is two locks.
- Path correlations: a `Lock` and an unlock under the same flag are skipped, not checked.
- Loops are followed once.
- A loop body that unlocks before it locks (`for { mu.Unlock(); …; mu.Lock() }`) is taken to hand
  the lock from one iteration to the next, even when that unlock is conditional.
"#;

/// A held lock as a resource: `var` is the receiver text, released by its unlock method.
struct Lock {
    unlock: &'static str,
    /// Where the `Lock` call is, for the next-iteration test.
    call: std::ops::Range<usize>,
    /// Where the function unlocks the same receiver directly before the `Lock` (not in a closure).
    unlocks_before: Vec<std::ops::Range<usize>>,
}

impl Resource for Lock {
    fn is_release(&self, src: &Source<'_>, call: Node<'_>, var: &str) -> bool {
        is_unlock(src, call, var, self.unlock)
    }

    /// A lock taken inside a loop must be released before the next iteration takes it again,
    /// unless the loop body unlocks it before the `Lock`: then the lock is handed from one
    /// iteration to the next on purpose (`for { ...; mu.Unlock(); mu.Lock(); ... }`, taken before
    /// the loop), and the next iteration releases it before taking it again.
    fn lost_at_next_iteration(&self, _acq: &Acquired<'_>, loop_stmt: Node<'_>) -> bool {
        let Some(body) = loop_stmt.child_by_field_name("body") else { return false };
        let inside = |r: &std::ops::Range<usize>| body.start_byte() <= r.start && r.end <= body.end_byte();
        inside(&self.call) && !self.unlocks_before.iter().any(inside)
    }

    fn is_nil_subject(&self, _src: &Source<'_>, _expr: Node<'_>, _var: &str) -> bool {
        false
    }
}

/// Whether `call` is `recv.unlock()` with `recv` spelled `var`.
fn is_unlock(src: &Source<'_>, call: Node<'_>, var: &str, unlock: &str) -> bool {
    let Some((recv, m)) = method_call(src, call) else { return false };
    m == unlock && src.text_of(unparen(recv)) == var && call_args(call).is_empty()
}

/// The name of a function declaration or method, empty for literals.
fn func_name<'a>(src: &Source<'a>, func: Node<'_>) -> &'a str {
    func.child_by_field_name("name").map(|n| src.text_of(n)).unwrap_or("")
}

/// The calls of one function that the rule reads, from one walk of it: each `Lock` used to walk its
/// function twice, and functions often lock several times.
struct Calls<'t> {
    func: Node<'t>,
    /// The `Lock`, `RLock`, `Unlock` and `RUnlock` method calls in document order, each with
    /// whether it runs in the function's own body rather than in a function literal inside it.
    locking: Vec<(Node<'t>, bool)>,
    /// Whether the function (literals included) calls a helper whose name says it unlocks.
    helper: bool,
}

impl<'t> Calls<'t> {
    fn of(src: &Source<'_>, func: Node<'t>) -> Calls<'t> {
        let body = func.child_by_field_name("body");
        let mut locking = Vec::new();
        let mut helper = false;
        // The ends of the function literals around the node being visited.
        let mut literals: Vec<usize> = Vec::new();
        visit_all(func, |n| {
            while literals.last().is_some_and(|&end| end <= n.start_byte()) {
                literals.pop();
            }
            if n.kind() == "func_literal" && n.id() != func.id() {
                literals.push(n.end_byte());
                return;
            }
            if n.kind() != "call_expression" {
                return;
            }
            if let Some((_, m)) = method_call(src, n) {
                if matches!(m, "Lock" | "RLock" | "Unlock" | "RUnlock") {
                    let in_body =
                        body.is_some_and(|b| b.start_byte() <= n.start_byte() && n.end_byte() <= b.end_byte());
                    locking.push((n, in_body && literals.is_empty()));
                    return;
                }
            }
            let callee = n.child_by_field_name("function").map(unparen);
            let name = match callee {
                Some(f) if f.kind() == "selector_expression" => f.child_by_field_name("field").map(|x| src.text_of(x)),
                Some(f) if f.kind() == "identifier" => Some(src.text_of(f)),
                _ => None,
            };
            helper |=
                name.is_some_and(|x| !matches!(x, "Unlock" | "RUnlock") && x.to_ascii_lowercase().contains("unlock"));
        });
        Calls { func, locking, helper }
    }
}

fn check(src: &Source<'_>, _config: &Config, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    // The calls of the function of the last `Lock`: matches come in document order.
    let mut calls: Option<Calls<'_>> = None;
    for m in matches(src, RULE.id) {
        let (Some(call), Some(stmt), Some(recv), Some(method)) =
            (m.get("call"), m.get("stmt"), m.get("recv"), m.get("method"))
        else {
            continue;
        };
        if !seen.insert(call.id()) || !call_args(call).is_empty() {
            continue;
        }
        let recv = unparen(recv);
        if !matches!(recv.kind(), "identifier" | "selector_expression") {
            continue;
        }
        let Some(func) = enclosing_function(call) else { continue };
        if func_name(src, func).to_ascii_lowercase().contains("lock") {
            continue;
        }
        let unlock = if src.text_of(method) == "RLock" { "RUnlock" } else { "Unlock" };
        let var = src.text_of(recv);
        let lock = src.text_of(method);
        if calls.as_ref().is_none_or(|c| c.func.id() != func.id()) {
            calls = Some(Calls::of(src, func));
        }
        let Some(calls) = calls.as_ref() else { continue };
        let mut unlocks_before = Vec::new();
        let mut first_is_unlock = None;
        for &(n, own) in &calls.locking {
            if !own {
                continue;
            }
            if is_unlock(src, n, var, unlock) {
                first_is_unlock.get_or_insert(true);
                if n.end_byte() <= call.start_byte() {
                    unlocks_before.push(n.byte_range());
                }
            } else if is_unlock(src, n, var, lock) {
                first_is_unlock.get_or_insert(false);
            }
        }
        // A function that unlocks before it ever locks was handed the lock held by its starter
        // (a goroutine passing a lock back and forth with the function that started it): where
        // the lock ends up is that pair's protocol, not a critical section of this function.
        if first_is_unlock == Some(true) {
            continue;
        }
        let res = Lock { unlock, call: call.byte_range(), unlocks_before };
        let acq = Acquired { call, stmt, func, var, err: None };
        if !owned_here(src, &res, &acq, calls) {
            continue;
        }
        let Some(walk) = resource::walk(src, &res, &acq).filter(|w| !w.leaks.is_empty()) else { continue };
        out.push(finding(src, &res, &acq, &walk));
    }
}

/// Whether this function is responsible for unlocking: it unlocks the receiver itself somewhere,
/// only directly or in deferred closures, through no helper, with no deferred unlock before the
/// `Lock`, and without a conditional lock/unlock pair the walk cannot correlate.
fn owned_here(src: &Source<'_>, res: &Lock, acq: &Acquired<'_>, calls: &Calls<'_>) -> bool {
    if calls.helper {
        return false;
    }
    let unlocks: Vec<Node<'_>> =
        calls.locking.iter().map(|&(n, _)| n).filter(|&n| res.is_release(src, n, acq.var)).collect();
    if unlocks.is_empty() {
        return false;
    }
    for u in &unlocks {
        let (closure, in_go) = closure_around(*u, acq.func);
        if in_go || closure.is_some_and(|lit| !resource::is_deferred_closure_releasing(src, res, lit, acq.var)) {
            return false;
        }
        let deferred = closure.is_some() || u.parent().is_some_and(|p| p.kind() == "defer_statement");
        if deferred && u.start_byte() < acq.call.start_byte() {
            return false;
        }
    }
    let lock_if = enclosing_if(acq.call, acq.func);
    if lock_if.is_some() && unlocks.iter().any(|u| enclosing_if(*u, acq.func).is_some_and(|i| !contains(i, acq.call))) {
        return false;
    }
    true
}

/// The innermost `if` statement around `n` within `func`.
fn enclosing_if<'t>(n: Node<'t>, func: Node<'t>) -> Option<Node<'t>> {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if p.id() == func.id() {
            return None;
        }
        if p.kind() == "if_statement" {
            return Some(p);
        }
        cur = p.parent();
    }
    None
}

fn finding(src: &Source<'_>, res: &Lock, acq: &Acquired<'_>, walk: &Outcome<'_>) -> Finding {
    let mu = acq.var;
    let unlock = res.unlock;
    let cost = format!(
        "the next `{mu}.Lock()` blocks forever, so under load every request that needs it parks a goroutine until \
         the process is restarted"
    );
    let message = if walk.in_loop() {
        format!("`{mu}` stays locked into the next iteration: {cost}; unlock it before each `continue` and at the end of the loop body")
    } else {
        format!(
            "a path leaves the function with `{mu}` still locked: {cost}; call `{mu}.{unlock}()` before that return"
        )
    };
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message,
        range: acq.call.byte_range(),
        related: resource::related(acq, walk, &format!("`{mu}`"), "locked"),
        fixes: defer_unlock(src, res, acq).into_iter().collect(),
    }
}

/// Replaces a final unlock with `defer mu.Unlock()` after the `Lock`, where that keeps the
/// critical section as it was: the `Lock` is a top-level statement of the function, and the only
/// unlock is its last statement or is followed only by a `return` whose values call nothing.
fn defer_unlock(src: &Source<'_>, res: &Lock, acq: &Acquired<'_>) -> Option<Fix> {
    let list = acq.stmt.parent().filter(|l| l.kind() == "statement_list")?;
    if list.parent()?.id() != acq.func.child_by_field_name("body")?.id() {
        return None;
    }
    let mut unlocks = Vec::new();
    visit_all(acq.func, |n| {
        if res.is_release(src, n, acq.var) {
            unlocks.push(n);
        }
    });
    let [unlock] = unlocks[..] else { return None };
    let u_stmt = unlock.parent().filter(|s| s.kind() == "expression_statement" && s.parent() == Some(list))?;
    match next_statement(u_stmt) {
        None => {}
        Some(ret) if ret.kind() == "return_statement" && next_statement(ret).is_none() => {
            let mut calls = false;
            visit_all(ret, |n| calls |= n.kind() == "call_expression");
            if calls {
                return None;
            }
        }
        Some(_) => return None,
    }
    let own_line = src.text[src.line_start(u_stmt.start_byte())..u_stmt.start_byte()].trim().is_empty()
        && src.text[u_stmt.end_byte()..src.line_end_inclusive(u_stmt.end_byte())].trim().is_empty();
    if !own_line {
        return None;
    }
    let line = format!("defer {}.{}()", acq.var, res.unlock);
    let edits = vec![
        resource::insert_line_after(src, acq.stmt, acq.stmt, &line),
        Edit::delete(src.line_start(u_stmt.start_byte())..src.line_end_inclusive(u_stmt.end_byte())),
    ];
    Some(Fix {
        id: "defer-unlock",
        title: format!("Unlock with `{line}` right after the lock"),
        edits,
        preferred: true,
    })
}
