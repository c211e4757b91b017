use tree_sitter::Node;

use super::server_without_timeouts::{
    add_keyed_element, configured_later, in_test_function, is_pkg_ref, literal_keys, literal_value_of,
};
use super::{matches, Rule};
use crate::analysis::edits::{add_top_level, declares_top_level, ensure_imports, merge_inserts};
use crate::analysis::go::{call_args, is_type, occurrences, unparen};
use crate::analysis::handler::scope_at;
use crate::analysis::{Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "client-without-timeout",
    summary: "An HTTP client with no timeout, so a server that never answers holds the call forever.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/client-without-timeout.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds outgoing HTTP calls that nothing bounds in time:

- `http.Client{...}` and `&http.Client{...}` literals without a `Timeout`, unless their `Transport`
  bounds the wait: a visible `&http.Transport{...}` that sets `ResponseHeaderTimeout`, or a
  `DialContext`/`Dial` built with a timeout (`(&net.Dialer{Timeout: 5 * time.Second}).DialContext`).
  A `Transport` whose content is not visible in the literal (a variable, a constructor call, an
  instrumented wrapper such as `otelhttp.NewTransport(...)`) is trusted;
- `http.Get`, `http.Head`, `http.Post` and `http.PostForm`, and the same methods called on
  `http.DefaultClient`: the default client has no timeout and these calls take no context. Where a
  request context is in reach, `request-without-context` reports the call instead, with a fix that
  passes the context.

The package is resolved through the file's imports. A client configured after construction is
left alone: `c.Timeout = ...` or `c.Transport = ...` anywhere in the file on the variable or field
the literal was stored in, or the client handed to a function that may configure it. Calls are
left alone when the file sets `http.DefaultClient.Timeout` (or replaces `http.DefaultClient`).
Test files, files that import `testing` and test functions are skipped: they talk to their own
`httptest` servers. Together with `request-without-context` it covers noctx's `net/http` checks,
and it finds the clients that gosec and noctx never look at.

## Why it hurts under load

A client without a timeout waits as long as the server wants: a server that accepts the connection
and then stalls (overloaded, a dead backend behind a proxy, a half-open TCP connection) holds the
calling goroutine, its connection, buffers and file descriptor forever. One stuck call is
invisible. Under load every request that reaches the stalled dependency adds one more, goroutines
and memory grow without bound, the connection pool empties, and the service fails long after the
dependency could have been given up on with an error.

## Example

```go
var client = &http.Client{} // no Timeout: a silent upstream blocks callers forever

func fetchRates() (*http.Response, error) {
	return http.Get("https://rates.internal/latest") // http.DefaultClient: no timeout either
}
```

## Fix

Give every client a `Timeout` that fits the calls it makes, and pass a request context where there
is one. The quick fix (`add-timeout`, for client literals) adds `Timeout: defaultClientTimeout` and
declares `const defaultClientTimeout = 10 * time.Second` after the imports once per file (or reuses
a declaration of that name). For `http.Get` and friends, build a client with a timeout and call its
methods, or build the request with `http.NewRequestWithContext` under a context with a deadline;
there is no mechanical fix for those calls.

## What it cannot see

- Clients built by helpers or other packages (`newClient()`, `cleanhttp.DefaultClient()`), clients
  declared as `var c http.Client` without a literal, and clients configured in another file.
- `http.DefaultClient.Do(req)`: the request may carry a context with a deadline, so it is not
  reported; neither is `http.DefaultClient` passed to a constructor.
- A `Timeout` (or a transport timeout) set to zero or to a value that is too long (`long-timeout`
  judges those on request paths).
- A dialer timeout only bounds connecting; a transport that sets only one is trusted all the same.
- The fix declares `defaultClientTimeout` in the file being fixed; when another file of the package
  already declares it, delete one of the two declarations.
"#;

/// The name of the constant the fix declares (or reuses).
const TIMEOUT_CONST: &str = "defaultClientTimeout";

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    if src.file.is_test || src.import_name("testing").is_some() {
        return;
    }
    let mut default_configured = None;
    for m in matches(src, RULE.id) {
        if let (Some(call), Some(pkg), Some(func)) = (m.get("get.call"), m.get("get.pkg"), m.get("get.fn")) {
            let func = src.text_of(func);
            let arity = match func {
                "Post" => 3,
                "PostForm" => 2,
                _ => 1,
            };
            if call_args(call).len() != arity
                || !is_pkg_ref(src, call, pkg, "net/http")
                || in_test_function(src, call)
                || scope_at(src, call, &config.context_types).is_some()
                || {
                    // The answer is kept for the run, but the read is noted for each call's item.
                    src.reads_file_about_for("DefaultClient", call);
                    *default_configured.get_or_insert_with(|| default_client_configured(src, src.text_of(pkg)))
                }
            {
                continue;
            }
            let callee = call.child_by_field_name("function").map_or("", |f| src.text_of(f));
            out.push(Finding {
                rule: RULE.id,
                severity: RULE.default_severity,
                message: format!(
                    "`{callee}` uses `http.DefaultClient`, which has no timeout: a server that accepts the \
                     connection and never answers holds this goroutine, its connection and buffers forever, so \
                     under load stuck calls pile up until memory or file descriptors run out"
                ),
                range: call.byte_range(),
                related: Vec::new(),
                fixes: Vec::new(),
            });
        }
        if let (Some(lit), Some(pkg), Some(body)) = (m.get("client.literal"), m.get("client.pkg"), m.get("client.body"))
        {
            if !is_pkg_ref(src, lit, pkg, "net/http")
                || in_test_function(src, lit)
                || literal_keys(src, body).contains(&"Timeout")
                || transport_bounded(src, body)
                || configured_later(src, lit, &["Timeout", "Transport"])
            {
                continue;
            }
            out.push(Finding {
                rule: RULE.id,
                severity: RULE.default_severity,
                message: "this `http.Client` has no `Timeout`: a server that accepts the connection and never answers \
                          holds the calling goroutine, its connection and buffers forever, so under load stuck calls \
                          pile up until memory or file descriptors run out"
                    .to_string(),
                range: lit.byte_range(),
                related: Vec::new(),
                fixes: timeout_fix(src, body).into_iter().collect(),
            });
        }
    }
}

/// Whether the client literal's `Transport` bounds the wait, or is something we cannot see into.
/// Only an `http.Transport` literal without any timeout is known not to.
fn transport_bounded(src: &Source<'_>, body: Node<'_>) -> bool {
    let Some(value) = literal_value_of(src, body, "Transport") else { return false };
    let mut value = unparen(value);
    if value.kind() == "unary_expression" && value.child_by_field_name("operator").is_some_and(|o| o.kind() == "&") {
        match value.child_by_field_name("operand") {
            Some(o) => value = unparen(o),
            None => return true,
        }
    }
    let is_transport = value.kind() == "composite_literal"
        && value.child_by_field_name("type").is_some_and(|t| is_type(src, t, "net/http", "Transport", false));
    let Some(tbody) = value.child_by_field_name("body").filter(|_| is_transport) else { return true };
    literal_keys(src, tbody).contains(&"ResponseHeaderTimeout")
        || ["DialContext", "Dial", "DialTLSContext", "DialTLS"]
            .iter()
            .any(|k| literal_value_of(src, tbody, k).is_some_and(|v| src.text_of(v).contains("Timeout")))
}

/// Whether the file sets a timeout on `http.DefaultClient` or replaces it: an assignment whose left
/// side assigns to `http.DefaultClient` or one of its fields.
///
/// The assignments are found from the name in the text rather than by a walk of the tree: after a
/// keystroke the server analyses only the edited declaration, and a walk of the file made that
/// cost grow with the file. A target spelled `http.DefaultClient…` starts where the text does, so
/// the nodes that start there and hold it are the only candidates.
///
/// The answer depends on every function of the file: the caller notes that read for the code it
/// judges (`Source::reads_file_about_for`).
fn default_client_configured(src: &Source<'_>, http: &str) -> bool {
    let default = format!("{http}.DefaultClient");
    let root = src.root();
    let configured = occurrences(src.text, &default).any(|at| {
        let mut node = root.descendant_for_byte_range(at, at + default.len());
        while let Some(n) = node.filter(|n| n.start_byte() == at) {
            let parent = n.parent();
            if parent.is_some_and(|list| is_assigned_list(list)) {
                let t = src.text_of(n);
                if t == default || t.strip_prefix(default.as_str()).is_some_and(|rest| rest.starts_with('.')) {
                    return true;
                }
            }
            node = parent;
        }
        false
    });
    configured
}

/// Whether `list` is the left side of an assignment statement.
fn is_assigned_list(list: Node<'_>) -> bool {
    list.parent().is_some_and(|stmt| {
        stmt.kind() == "assignment_statement" && stmt.child_by_field_name("left").is_some_and(|l| l.id() == list.id())
    })
}

/// `Timeout: defaultClientTimeout` added to the literal, with the constant declared once.
fn timeout_fix(src: &Source<'_>, body: Node<'_>) -> Option<Fix> {
    let mut edits = Vec::new();
    if !declares_top_level(src, TIMEOUT_CONST, body) {
        let (names, imports) = ensure_imports(src, &["time"])?;
        edits.extend(imports);
        edits.push(add_top_level(
            src,
            &format!(
                "// {TIMEOUT_CONST} bounds a whole HTTP exchange, from dialling to reading the body.\nconst {TIMEOUT_CONST} = 10 * {}.Second",
                names[0]
            ),
        )?);
    }
    edits.extend(add_keyed_element(src, body, "Timeout", TIMEOUT_CONST)?);
    Some(Fix {
        id: "add-timeout",
        title: format!("Set `Timeout: {TIMEOUT_CONST}`"),
        edits: merge_inserts(edits),
        preferred: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze_text;

    fn lines(text: &str) -> Vec<usize> {
        analyze_text(text, &Config::default())
            .into_iter()
            .filter(|f| f.rule == RULE.id)
            .map(|f| text[..f.range.start].matches('\n').count() + 1)
            .collect()
    }

    #[test]
    fn a_configured_default_client_quiets_the_package_calls() {
        let text = "package a\n\nimport \"net/http\"\n\nfunc init() { http.DefaultClient.Timeout = 5 }\n\nfunc f() { http.Get(\"u\") }\n";
        assert!(lines(text).is_empty());
        let text = "package a\n\nimport \"net/http\"\n\nfunc f() { http.Get(\"u\"); http.DefaultClient.Head(\"u\"); http.DefaultClient.Do(nil) }\n";
        assert_eq!(lines(text), [5, 5]);
    }
}
