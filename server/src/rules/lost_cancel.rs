use std::collections::HashSet;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{enclosing_function, outermost_function, visit_all};
use crate::analysis::resource::{self, Acquired, Outcome, Resource};
use crate::analysis::{Edit, Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "lost-cancel",
    summary: "The cancel function of `context.WithCancel`, `WithTimeout` or `WithDeadline` is discarded or not called on every path.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/lost-cancel.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds contexts derived with `context.WithCancel`, `WithTimeout`, `WithDeadline` or their `…Cause`
variants (the package resolved through the file's imports) whose cancel function is

- discarded: `ctx, _ := context.WithTimeout(parent, d)`; or
- not called on some path out of the function: no `defer cancel()`, no deferred closure that calls
  it, and a `return` (or the end of the function) that is reached without `cancel()`. A context
  derived with `:=` inside a loop must also be cancelled before the next iteration starts.

The rule stays quiet when the cancel function changes hands: it is returned, passed to another
function (`t.Cleanup(cancel)`, `time.AfterFunc(d, cancel)`, `go worker(ctx, cancel)`), stored in a
field, variable, map or composite literal, sent on a channel, or captured by a goroutine or by a
closure other than a deferred one that calls it. A cancel function assigned to a variable of an
enclosing function or to a named result belongs to that code, not to this function.

It replaces `go vet`'s `lostcancel` check on the code it can see, and also reports a context that
leaks from one loop iteration to the next.

## Why it hurts under load

A derived context holds resources until it is cancelled: an entry in its parent's set of children
(so a long-lived parent, such as a server's base context, keeps every child it ever had), and for
`WithTimeout`/`WithDeadline` a runtime timer that lives until the deadline. Calling `cancel` frees
them at once; forgetting it means every request leaves them behind for the full timeout. At a few
hundred requests per second with a 15 s timeout, that is thousands of live timers and contexts, and
any goroutine waiting on `ctx.Done()` waits the full 15 s instead of ending with the work.

## Example

```go
func (s *Service) Lookup(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	user, err := s.store.Find(ctx, c.Param("id"))
	if err != nil {
		c.AbortWithStatus(http.StatusBadGateway)
		return // cancel is never called on this path
	}
	cancel()
	c.JSON(http.StatusOK, user)
}
```

## Fix

Call `defer cancel()` right after deriving the context. The quick fix (`defer-cancel`) inserts
exactly that after the call (moving a later `defer cancel()` of the same block up instead of adding a
second one); for a discarded cancel function it also names it, `cancel` (or `cancelCtx`, `cancel2`,
… when that name is taken in the function). It is not offered inside a loop, where a `defer` would
keep every iteration's context alive until the function returns (call `cancel()` at the end of each
iteration there), nor for `var` declarations and for `ctx, _ = …` assignments, where a new name
would not be declared.

## What it cannot see

- Cancel functions handed to other code (returned, passed, stored, captured): the new owner is
  trusted to call them.
- A cancel function called through another variable (`stop := cancel; defer stop()`): the
  assignment counts as a hand-over.
- A cancel variable reassigned by a second `context.With…` call before the first one is cancelled:
  the rule stops following the first.
- Paths are followed structurally (if/switch/select/loops once); a `cancel()` guarded by a condition
  the rule cannot correlate with the path (`if owned { cancel() }`) counts as a missed call on the
  other branch.
- Contexts from other packages' helpers that wrap `context.With…`.
"#;

/// The cancel function as a resource: released by calling it.
struct Cancel;

impl Resource for Cancel {
    fn is_release(&self, src: &Source<'_>, call: Node<'_>, var: &str) -> bool {
        call.kind() == "call_expression"
            && call.child_by_field_name("function").is_some_and(|f| f.kind() == "identifier" && src.text_of(f) == var)
    }
}

fn check(src: &Source<'_>, _config: &Config, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    for m in matches(src, RULE.id) {
        let (Some(call), Some(stmt), Some(cancel), Some(pkg)) =
            (m.get("call"), m.get("stmt"), m.get("cancel"), m.get("_pkg"))
        else {
            continue;
        };
        if !seen.insert(call.id()) || !src.is_package(src.text_of(pkg), "context") {
            continue;
        }
        let Some(func) = enclosing_function(call) else { continue };
        let acq = Acquired { call, stmt, func, var: src.text_of(cancel), err: None };
        if acq.var == "_" {
            out.push(discarded(src, &acq, cancel));
            continue;
        }
        if !resource::owned_here(src, &acq) || resource::escapes(src, &Cancel, &acq, None) {
            continue;
        }
        let Some(walk) = resource::walk(src, &Cancel, &acq).filter(|w| !w.leaks.is_empty()) else { continue };
        out.push(not_called(src, &acq, &walk));
    }
}

/// What an uncancelled context of this constructor keeps alive.
fn cost(src: &Source<'_>, call: Node<'_>) -> &'static str {
    let name = call
        .child_by_field_name("function")
        .and_then(|f| f.child_by_field_name("field"))
        .map(|f| src.text_of(f))
        .unwrap_or("");
    if name.starts_with("WithCancel") {
        "the context stays registered with its parent until the parent ends, so under load a long-lived parent \
         accumulates one child per call"
    } else {
        "the context, its timer and its entry in the parent live until the deadline passes, so under load they pile \
         up for the whole timeout"
    }
}

fn not_called(src: &Source<'_>, acq: &Acquired<'_>, walk: &Outcome<'_>) -> Finding {
    let cancel = acq.var;
    let wording = resource::Wording {
        rule: RULE.id,
        severity: RULE.default_severity,
        released: "called",
        cost: cost(src, acq.call),
        in_loop: format!("call `{cancel}()`"),
        defer: format!("defer {cancel}()"),
        defer_where: "right after the call",
        fix_id: "defer-cancel",
        fix_title: format!("Add `defer {cancel}()` after the call"),
        held: "uncalled",
    };
    resource::unreleased(src, &Cancel, acq, walk, wording)
}

fn discarded(src: &Source<'_>, acq: &Acquired<'_>, blank: Node<'_>) -> Finding {
    let call_text = resource::short_call(src, acq.call);
    let cost = cost(src, acq.call);
    let mut fixes = Vec::new();
    // Only `:=` declares the new name; `ctx, _ = ...` would need a separate declaration.
    if acq.stmt.kind() == "short_var_declaration" {
        let name = free_name(src, acq.func);
        if let Some(mut edits) = resource::defer_after_check(src, &Cancel, acq, &format!("defer {name}()")) {
            edits.insert(0, Edit::replace(blank.byte_range(), name.clone()));
            fixes.push(Fix {
                id: "defer-cancel",
                title: format!("Keep the cancel function as `{name}` and `defer {name}()`"),
                edits,
                preferred: true,
            });
        }
    }
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message: format!("the cancel function of `{call_text}` is discarded: {cost}; keep it and `defer cancel()`"),
        range: acq.call.byte_range(),
        related: Vec::new(),
        fixes,
    }
}

/// A name for the cancel function that no identifier of the surrounding function uses.
fn free_name(src: &Source<'_>, func: Node<'_>) -> String {
    let scope = outermost_function(func).unwrap_or(func);
    let mut used = HashSet::new();
    visit_all(scope, |n| {
        if n.kind() == "identifier" {
            used.insert(src.text_of(n));
        }
    });
    ["cancel", "cancelCtx"]
        .into_iter()
        .map(String::from)
        .chain((2..).map(|i| format!("cancel{i}")))
        .find(|n| !used.contains(n.as_str()))
        .unwrap_or_else(|| "cancel".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(text: &str) -> Vec<Finding> {
        crate::analysis::analyze_text(text, &Config::default()).into_iter().filter(|f| f.rule == RULE.id).collect()
    }

    fn go(body: &str) -> String {
        format!("package p\n\nimport \"context\"\n\nfunc f(parent context.Context) error {{\n{body}}}\n")
    }

    #[test]
    fn discarded_cancel_gets_a_free_name() {
        let text = go("\tcancel := 1\n\t_ = cancel\n\tctx, _ := context.WithCancel(parent)\n\t_ = ctx\n\treturn nil\n");
        let found = ours(&text);
        assert_eq!(found.len(), 1);
        let (out, applied) = crate::analysis::fix::fix_all(&text, &Config::default(), Some("defer-cancel"), 5);
        assert_eq!(applied, 1);
        assert!(out.contains("ctx, cancelCtx := context.WithCancel(parent)\n\tdefer cancelCtx()\n"), "{out}");
    }

    #[test]
    fn other_packages_named_context_are_ignored() {
        let text = "package p\n\nimport context \"example.com/fake\"\n\nfunc f() {\n\tctx, _ := context.WithCancel(nil)\n\t_ = ctx\n}\n";
        assert!(ours(text).is_empty());
    }
}
