use std::collections::HashSet;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{enclosing_function, method_call, unparen, visit_all};
use crate::analysis::resource::{self, Acquired, Resource};
use crate::analysis::{Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "ticker-not-stopped",
    summary: "A `time.NewTicker` or `time.NewTimer` that is never stopped (before Go 1.23 it is never collected).",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/ticker-not-stopped.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds tickers and timers made with `time.NewTicker` or `time.NewTimer` (the package resolved through
the file's imports) and kept in a variable, when the function never calls `Stop` on them: no
`t.Stop()` and no `defer t.Stop()` anywhere in the function, closures included. One `Stop` anywhere
is enough; the rule does not ask for it on every path, because timers that are `Reset` in loops and
stopped on one way out are common and correct.

The rule stays quiet when the ticker changes hands: it is returned, passed to another function,
stored in a field, variable, map or composite literal, sent on a channel, or captured by a goroutine
or closure (which then owns it). A timer whose channel is only ever received outside a `select`
(`<-t.C`, waited for unconditionally) is left alone: it fires before the function moves on, and a
fired timer holds nothing.

The rule only reports files whose module targets Go before 1.23 or whose Go version is unknown:
since Go 1.23 (`go 1.23` in `go.mod`) unreferenced tickers and timers are garbage-collected even
when they are not stopped. It covers what `staticcheck`'s SA1015 warns about for `time.Tick`, for the
tickers that can be stopped.

## Why it hurts under load

Before Go 1.23 a ticker that is not stopped stays in the runtime's timer heap forever, firing every
period into a channel nobody reads, and is never garbage-collected, together with everything its
channel keeps alive. A timer stays until it fires. In a function that runs per request or per job
(a poll loop with a timeout, a worker that returns on `ctx.Done()`), every call leaves one behind:
at a few hundred calls per second the timer heap grows without bound, each tick costs the scheduler
work, and the process's memory and CPU climb until it is restarted.

## Example

```go
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err() // the ticker keeps running
		case <-t.C:
			w.poll()
		}
	}
}
```

## Fix

Stop it when the function returns: `defer t.Stop()` right after creating it. The quick fix
(`defer-stop`) inserts exactly that. It is not offered inside a loop, where a `defer` would keep
every iteration's ticker until the function returns (stop it at the end of the iteration there), nor
for `var` declarations.

## What it cannot see

- Tickers handed to other code (returned, passed, stored, captured by a closure): the new owner is
  trusted to stop them.
- `time.Tick` and `time.After`, which cannot be stopped at all (see `timer-in-loop`).
- A `Stop` on one path only: one call anywhere is taken as intent.
- The Go version of a file analysed without its `go.mod` (an editor buffer outside a module): it is
  treated as older than 1.23.
"#;

/// A ticker or timer as a resource: released by `t.Stop()`.
struct Ticker;

impl Resource for Ticker {
    fn is_release(&self, src: &Source<'_>, call: Node<'_>, var: &str) -> bool {
        is_stop(src, call, var)
    }
}

fn is_stop(src: &Source<'_>, call: Node<'_>, var: &str) -> bool {
    let Some((recv, "Stop")) = method_call(src, call) else { return false };
    let recv = unparen(recv);
    recv.kind() == "identifier" && src.text_of(recv) == var
}

fn check(src: &Source<'_>, _config: &Config, out: &mut Vec<Finding>) {
    // Since Go 1.23 an unreferenced ticker or timer is collected without `Stop`.
    if src.file.go_version.is_some_and(|v| v >= (1, 23)) {
        return;
    }
    let mut seen = HashSet::new();
    for m in matches(src, RULE.id) {
        let (Some(call), Some(stmt), Some(var), Some(pkg), Some(ctor)) =
            (m.get("call"), m.get("stmt"), m.get("var"), m.get("_pkg"), m.get("_fn"))
        else {
            continue;
        };
        if !seen.insert(call.id()) || !src.is_package(src.text_of(pkg), "time") {
            continue;
        }
        let var = src.text_of(var);
        let Some(func) = enclosing_function(call) else { continue };
        if var == "_" {
            continue;
        }
        let acq = Acquired { call, stmt, func, var, err: None };
        if !resource::owned_here(src, &acq) || resource::escapes(src, &Ticker, &acq, None) {
            continue;
        }
        let mut stopped = false;
        visit_all(func, |n| stopped |= is_stop(src, n, var));
        if stopped {
            continue;
        }
        let is_timer = src.text_of(ctor) == "NewTimer";
        if is_timer && !received_in_select(src, func, var) {
            continue;
        }
        out.push(finding(src, &acq, is_timer));
    }
}

/// Whether `var.C` is received in a `select` case: the function may move on before it fires.
fn received_in_select(src: &Source<'_>, func: Node<'_>, var: &str) -> bool {
    let mut found = false;
    visit_all(func, |n| {
        if found || n.kind() != "selector_expression" {
            return;
        }
        let is_c = n.child_by_field_name("operand").is_some_and(|o| src.text_of(o) == var)
            && n.child_by_field_name("field").is_some_and(|f| src.text_of(f) == "C");
        if !is_c {
            return;
        }
        let mut cur = n.parent();
        while let Some(p) = cur {
            if p.kind() == "communication_case" {
                found = true;
                return;
            }
            if matches!(p.kind(), "block" | "statement_list" | "func_literal") {
                return;
            }
            cur = p.parent();
        }
    });
    found
}

fn finding(src: &Source<'_>, acq: &Acquired<'_>, is_timer: bool) -> Finding {
    let call_text = resource::short_call(src, acq.call);
    let t = acq.var;
    let message = if is_timer {
        format!(
            "`{t}` from `{call_text}` is never stopped: before Go 1.23 a timer that is not stopped stays in the \
             runtime's timer heap until it fires, so every call that returns early leaves one behind and under load \
             they pile up; add `defer {t}.Stop()`"
        )
    } else {
        format!(
            "`{t}` from `{call_text}` is never stopped: before Go 1.23 a ticker that is not stopped keeps firing and \
             is never garbage-collected, so every call leaks one for the life of the process; add `defer {t}.Stop()`"
        )
    };
    let fixes = resource::defer_after_check(src, &Ticker, acq, &format!("defer {t}.Stop()"))
        .map(|edits| Fix { id: "defer-stop", title: format!("Add `defer {t}.Stop()`"), edits, preferred: true })
        .into_iter()
        .collect();
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message,
        range: acq.call.byte_range(),
        related: Vec::new(),
        fixes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze_file, index::Index, parse, FileInfo};

    #[test]
    fn quiet_from_go_1_23() {
        let text = "package p\n\nimport \"time\"\n\nfunc f(done chan bool) {\n\tt := time.NewTicker(time.Second)\n\tfor {\n\t\tselect {\n\t\tcase <-done:\n\t\t\treturn\n\t\tcase <-t.C:\n\t\t}\n\t}\n}\n";
        let tree = parse(text, None);
        let ours = |go| {
            let file = FileInfo { is_test: false, go_version: go };
            analyze_file(text, &tree, &Config::default(), &file, &Index::default())
                .into_iter()
                .filter(|f| f.rule == RULE.id)
                .count()
        };
        assert_eq!(ours(None), 1);
        assert_eq!(ours(Some((1, 22))), 1);
        assert_eq!(ours(Some((1, 23))), 0);
    }
}
