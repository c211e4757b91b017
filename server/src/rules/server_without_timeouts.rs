use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::edits::{add_top_level, declares_top_level, ensure_imports, merge_inserts};
use crate::analysis::go::{
    assigned_names, assignment_of, call_args, declaration_of, method_call, outermost_function, unparen, visit_all,
};
use crate::analysis::handler::is_entry_or_test;
use crate::analysis::{Edit, Finding, Fix, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "server-without-timeouts",
    summary: "An HTTP server is started without a read timeout, so slow clients can hold its connections open forever.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/server-without-timeouts.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds HTTP servers that never time out a slow client (what gosec reports as G112 and G114):

- `http.ListenAndServe(addr, h)`, `http.ListenAndServeTLS(addr, cert, key, h)`, `http.Serve(l, h)`
  and `http.ServeTLS(l, h, cert, key)`, which build a server with every timeout at zero;
- `http.Server{...}` and `&http.Server{...}` literals that set neither `ReadHeaderTimeout` nor
  `ReadTimeout` (a zero `ReadHeaderTimeout` falls back to `ReadTimeout`, so either one bounds the
  headers).

The package is resolved through the file's imports. It stays quiet when the server is configured
after construction: an assignment such as `srv.ReadHeaderTimeout = ...` or `s.server.ReadTimeout =
...` anywhere in the file to the variable or field the literal was stored in, or the server handed
to another function (`configure(srv)`), which may set them. Test files, files that import
`testing`, test functions and the `Config` of an `httptest.Server` are skipped: a test server
talks to its own client. It replaces gosec's G112 and G114.

## Why it hurts under load

A server without a read timeout gives every connection as long as it wants to send its request.
Each open connection holds a goroutine, its buffers and a file descriptor. A client that sends one
header byte every few seconds (Slowloris), a mobile network that stalls, or a load balancer that
keeps idle connections, all pin those resources with no end. A few hundred such connections cost
a trickle of bandwidth and exhaust file descriptors and memory, and the server stops accepting the
requests that matter. Under load the slow connections are also the ones that pile up first.

## Example

```go
func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/users", users)
	log.Fatal(http.ListenAndServe(":8080", mux)) // no timeout at all
}
```

## Fix

Build an `http.Server` and set `ReadHeaderTimeout` (and, for handlers that read bodies, `ReadTimeout`,
`WriteTimeout` and `IdleTimeout` that suit them). The quick fix (`read-header-timeout`) adds
`ReadHeaderTimeout: readHeaderTimeout` to an `http.Server` literal, and rewrites
`http.ListenAndServe(addr, h)` (and its three siblings) to the equivalent
`(&http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: readHeaderTimeout}).ListenAndServe()`.
Both declare `const readHeaderTimeout = 10 * time.Second` after the imports once per file, or reuse
a declaration of that name. Only the headers are bounded, so slow uploads and long responses still
work; tune `ReadTimeout` and `WriteTimeout` to your handlers.

## What it cannot see

- Servers built from a variable or a struct field declared elsewhere (`srv := s.server`), or
  configured in another file or by a helper that does not take the server as an argument.
- A server handed to any function counts as configured, so `http2.ConfigureServer(srv, nil)` hides
  a server without timeouts.
- Servers from frameworks (`gin.Engine.Run`, `echo.Start`, `fiber.Listen`), which build their own
  `http.Server`; configure those through the framework.
- A timeout set to zero or to a value that is too long.
- The fix declares `readHeaderTimeout` in the file being fixed; when another file of the package
  already declares it, delete one of the two declarations.
"#;

/// The name of the constant the fixes declare (or reuse).
const TIMEOUT_CONST: &str = "readHeaderTimeout";

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    if src.file.is_test || src.import_name("testing").is_some() {
        return;
    }
    for m in matches(src, RULE.id) {
        if let (Some(call), Some(pkg), Some(func)) = (m.get("listen.call"), m.get("listen.pkg"), m.get("listen.fn")) {
            let func = src.text_of(func);
            let arity = if func.ends_with("TLS") { 4 } else { 2 };
            if call_args(call).len() != arity || !is_pkg_ref(src, call, pkg, "net/http") || in_test_function(src, call)
            {
                continue;
            }
            out.push(Finding {
                rule: RULE.id,
                severity: RULE.default_severity,
                message: format!(
                    "`{}.{func}` serves with every timeout at zero: each client that sends its request slowly \
                     (Slowloris) holds a goroutine, its buffers and a file descriptor for as long as it likes, \
                     so a few hundred slow connections exhaust the server",
                    src.text_of(pkg)
                ),
                range: call.byte_range(),
                related: Vec::new(),
                fixes: listen_fix(src, call, src.text_of(pkg), func).into_iter().collect(),
            });
        }
        if let (Some(lit), Some(pkg), Some(body)) = (m.get("server.literal"), m.get("server.pkg"), m.get("server.body"))
        {
            if !is_pkg_ref(src, lit, pkg, "net/http") || in_test_function(src, lit) || in_httptest_server(src, lit) {
                continue;
            }
            let keys = literal_keys(src, body);
            if keys.iter().any(|k| matches!(*k, "ReadHeaderTimeout" | "ReadTimeout"))
                || configured_later(src, lit, &["ReadHeaderTimeout", "ReadTimeout"])
            {
                continue;
            }
            out.push(Finding {
                rule: RULE.id,
                severity: RULE.default_severity,
                message: "this `http.Server` sets neither `ReadHeaderTimeout` nor `ReadTimeout`: each client that \
                          sends its request slowly (Slowloris) holds a goroutine, its buffers and a file descriptor \
                          for as long as it likes, so a few hundred slow connections exhaust the server"
                    .to_string(),
                range: lit.byte_range(),
                related: Vec::new(),
                fixes: literal_fix(src, body).into_iter().collect(),
            });
        }
    }
}

// ---- Helpers shared with `client-without-timeout` ----

/// Whether the identifier `pkg` names the package `path` at `at`: imported under that name and not
/// shadowed by a parameter or variable.
pub(super) fn is_pkg_ref(src: &Source<'_>, at: Node<'_>, pkg: Node<'_>, path: &str) -> bool {
    let name = src.text_of(pkg);
    src.is_package(name, path) && declaration_of(src, at, name).is_none()
}

/// Whether `at` sits in a test, benchmark, fuzz or example function.
pub(super) fn in_test_function(src: &Source<'_>, at: Node<'_>) -> bool {
    outermost_function(at).is_some_and(|f| {
        let name = f.child_by_field_name("name").map_or("", |n| src.text_of(n));
        is_entry_or_test(src, f) && !matches!(name, "main" | "init")
    })
}

/// The keys of a keyed composite literal's body (`{Addr: a, Handler: h}` gives `Addr`, `Handler`).
pub(super) fn literal_keys<'a>(src: &Source<'a>, body: Node<'_>) -> Vec<&'a str> {
    elements(body)
        .into_iter()
        .filter(|e| e.kind() == "keyed_element")
        .filter_map(|e| e.child_by_field_name("key"))
        .map(|k| src.text_of(k).trim())
        .collect()
}

/// The value of the element with key `key` in a composite literal's body.
pub(super) fn literal_value_of<'t>(src: &Source<'_>, body: Node<'t>, key: &str) -> Option<Node<'t>> {
    elements(body)
        .into_iter()
        .filter(|e| e.kind() == "keyed_element")
        .find(|e| e.child_by_field_name("key").is_some_and(|k| src.text_of(k).trim() == key))
        .and_then(|e| e.child_by_field_name("value"))
        .map(|v| if v.kind() == "literal_element" { v.named_child(0).unwrap_or(v) } else { v })
}

fn elements(body: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = body.walk();
    body.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect()
}

/// The last name of what the literal (or its address) is stored in: `srv` for `srv := &http.Server{}`,
/// `server` for `s.server = ...` or for the element `Server: &http.Server{}` of another literal; and
/// whether that is a local variable, which only its own function can configure.
fn binding_name<'a>(src: &Source<'a>, lit: Node<'_>) -> Option<(&'a str, bool)> {
    let mut node = lit;
    while let Some(p) = node.parent() {
        let address =
            p.kind() == "unary_expression" && p.child_by_field_name("operator").is_some_and(|o| o.kind() == "&");
        if p.kind() == "parenthesized_expression" || address {
            node = p;
        } else {
            break;
        }
    }
    let parent = node.parent()?;
    match parent.kind() {
        "expression_list" => {
            let stmt = assignment_of(node)?;
            let mut cursor = parent.walk();
            let idx = parent.named_children(&mut cursor).position(|n| n.id() == node.id())?;
            let target = unparen(*assigned_names(stmt).get(idx)?);
            let local = target.kind() == "identifier" && outermost_function(lit).is_some();
            Some((last_segment(src, target)?, local))
        }
        "literal_element" => {
            let keyed = parent.parent().filter(|k| k.kind() == "keyed_element")?;
            let key = keyed.child_by_field_name("key")?;
            (key.id() != parent.id()).then(|| (src.text_of(key).trim(), false))
        }
        _ => None,
    }
}

/// `srv` for `srv`, `server` for `s.server`.
fn last_segment<'a>(src: &Source<'a>, expr: Node<'_>) -> Option<&'a str> {
    let expr = unparen(expr);
    match expr.kind() {
        "identifier" => Some(src.text_of(expr)),
        "selector_expression" => expr.child_by_field_name("field").map(|f| src.text_of(f)),
        _ => None,
    }
}

/// Whether the value the literal is stored in is configured after construction: one of `fields` is
/// assigned through it (`srv.ReadTimeout = d`, `s.server.ReadTimeout = d`), or it is handed to a
/// function (`configure(srv)`, `apply(&srv)`) that may set them. A local variable is looked for in
/// its own function, a field or package variable in the whole file.
pub(super) fn configured_later(src: &Source<'_>, lit: Node<'_>, fields: &[&str]) -> bool {
    let Some((name, local)) = binding_name(src, lit) else { return false };
    let scope = if local { outermost_function(lit).unwrap_or(src.root()) } else { src.root() };
    if scope.id() == src.root().id() {
        src.reads_file_about_for(name, lit);
    }
    let mut found = false;
    visit_all(scope, |n| {
        if found {
            return;
        }
        match n.kind() {
            "assignment_statement" => {
                let Some(left) = n.child_by_field_name("left") else { return };
                let mut cursor = left.walk();
                found = left.named_children(&mut cursor).any(|target| {
                    let target = unparen(target);
                    target.kind() == "selector_expression"
                        && target.child_by_field_name("field").is_some_and(|f| fields.contains(&src.text_of(f)))
                        && target.child_by_field_name("operand").and_then(|o| last_segment(src, o)) == Some(name)
                });
            }
            "call_expression" if n.start_byte() > lit.end_byte() => {
                found = call_args(n).into_iter().any(|arg| {
                    let mut arg = unparen(arg);
                    if arg.kind() == "unary_expression" {
                        arg = arg.child_by_field_name("operand").map_or(arg, unparen);
                    }
                    last_segment(src, arg) == Some(name) && arg.kind() != "call_expression"
                }) && method_call(src, n).is_none_or(|(recv, _)| last_segment(src, recv) != Some(name));
            }
            _ => {}
        }
    });
    found
}

/// Adds `key: value` as the last element of a composite literal's body, the way gofmt would lay
/// it out: inside the braces of a one-line literal, or on a line of its own, with the values of
/// the run of one-line elements it joins aligned. `None` for layouts it does not know.
pub(super) fn add_keyed_element(src: &Source<'_>, body: Node<'_>, key: &str, value: &str) -> Option<Vec<Edit>> {
    let elems = elements(body);
    let inner = src.text.get(body.start_byte() + 1..body.end_byte().checked_sub(1)?)?;
    let Some(last) = elems.last().copied() else {
        return inner.trim().is_empty().then(|| vec![Edit::replace(body.byte_range(), format!("{{{key}: {value}}}"))]);
    };
    if body.start_position().row == body.end_position().row {
        return Some(vec![Edit::insert(last.end_byte(), format!(", {key}: {value}"))]);
    }
    // A multi-line literal: each element on its own line, the last one followed by a comma and
    // the closing brace on a later line.
    let after = &src.text[last.end_byte()..body.end_byte()];
    if !after.trim_start_matches([' ', '\t']).starts_with(',') || body.end_position().row == last.end_position().row {
        return None;
    }
    let comma = last.end_byte() + after.find(',')?;
    let line_end = src.line_end_inclusive(comma);
    if line_end > body.end_byte() {
        return None;
    }
    let indent = src.indent_at(last.start_byte());
    if !src.text[src.line_start(last.start_byte())..last.start_byte()].trim().is_empty() {
        return None;
    }
    // The run of one-line keyed elements, each alone on consecutive lines, that ends with the
    // last element: gofmt aligns their values in one column.
    let one_line = |e: Node<'_>| {
        e.kind() == "keyed_element"
            && e.start_position().row == e.end_position().row
            && src.text[src.line_start(e.start_byte())..e.start_byte()].trim().is_empty()
    };
    let mut run: Vec<Node<'_>> = Vec::new();
    if one_line(last) {
        run.push(last);
        for pair in elems.windows(2).rev() {
            let (prev, next) = (pair[0], pair[1]);
            if run.last().map(|r| r.id()) != Some(next.id())
                || !one_line(prev)
                || prev.start_position().row + 1 != next.start_position().row
            {
                break;
            }
            run.push(prev);
        }
    }
    let key_width = |e: Node<'_>| e.child_by_field_name("key").map_or(0, |k| src.text_of(k).trim().chars().count());
    let width = run.iter().map(|e| key_width(*e)).chain(std::iter::once(key.chars().count())).max().unwrap_or(0);
    let mut edits = Vec::new();
    if !run.is_empty() {
        for e in &run {
            let (Some(k), Some(v)) = (e.child_by_field_name("key"), e.child_by_field_name("value")) else {
                return None;
            };
            let colon = k.end_byte() + src.text[k.end_byte()..v.start_byte()].find(':')? + 1;
            let pad = " ".repeat(width - key_width(*e) + 1);
            if src.text[colon..v.start_byte()] != pad {
                edits.push(Edit::replace(colon..v.start_byte(), pad));
            }
        }
    }
    let pad = if run.is_empty() { " ".to_string() } else { " ".repeat(width - key.chars().count() + 1) };
    let nl = src.newline();
    edits.push(Edit::insert(line_end, format!("{indent}{key}:{pad}{value},{nl}")));
    Some(edits)
}

/// Whether the literal is the `Config` of an `httptest.Server`, a test's own server.
fn in_httptest_server(src: &Source<'_>, lit: Node<'_>) -> bool {
    let mut cur = lit.parent();
    while let Some(n) = cur {
        if n.kind() == "composite_literal" {
            return n.child_by_field_name("type").is_some_and(|t| {
                let pkg = t.child_by_field_name("package").map_or("", |p| src.text_of(p));
                t.kind() == "qualified_type" && src.is_package(pkg, "net/http/httptest")
            });
        }
        if matches!(n.kind(), "block" | "source_file") {
            return false;
        }
        cur = n.parent();
    }
    false
}

// ---- Fixes ----

/// The constant's declaration and the `time` import it needs, unless the file declares it already
/// (asked for the fix of the code at `at`).
fn constant_edits(src: &Source<'_>, at: Node<'_>) -> Option<Vec<Edit>> {
    if declares_top_level(src, TIMEOUT_CONST, at) {
        return Some(Vec::new());
    }
    let (names, mut edits) = ensure_imports(src, &["time"])?;
    edits.push(add_top_level(
        src,
        &format!(
            "// {TIMEOUT_CONST} bounds how long a client may take to send a request's headers.\nconst {TIMEOUT_CONST} = 10 * {}.Second",
            names[0]
        ),
    )?);
    Some(edits)
}

/// `ReadHeaderTimeout: readHeaderTimeout` added to an `http.Server` literal.
fn literal_fix(src: &Source<'_>, body: Node<'_>) -> Option<Fix> {
    let mut edits = constant_edits(src, body)?;
    edits.extend(add_keyed_element(src, body, "ReadHeaderTimeout", TIMEOUT_CONST)?);
    Some(Fix {
        id: "read-header-timeout",
        title: format!("Set `ReadHeaderTimeout: {TIMEOUT_CONST}`"),
        edits: merge_inserts(edits),
        preferred: true,
    })
}

/// `http.ListenAndServe(addr, h)` rewritten to the `http.Server` it builds, with a header timeout.
fn listen_fix(src: &Source<'_>, call: Node<'_>, http: &str, func: &str) -> Option<Fix> {
    let args: Vec<&str> = call_args(call).into_iter().map(|a| src.text_of(a)).collect();
    // Where the handler is, and which arguments the server's method keeps.
    let (addr, handler, rest): (Option<&str>, &str, Vec<&str>) = match (func, args.as_slice()) {
        ("ListenAndServe", [addr, h]) => (Some(addr), h, vec![]),
        ("ListenAndServeTLS", [addr, cert, key, h]) => (Some(addr), h, vec![cert, key]),
        ("Serve", [l, h]) => (None, h, vec![l]),
        ("ServeTLS", [l, h, cert, key]) => (None, h, vec![l, cert, key]),
        _ => return None,
    };
    if src.text_of(call).contains('\n') {
        return None;
    }
    let mut fields = Vec::new();
    if let Some(addr) = addr {
        fields.push(format!("Addr: {addr}"));
    }
    if handler != "nil" {
        fields.push(format!("Handler: {handler}"));
    }
    fields.push(format!("ReadHeaderTimeout: {TIMEOUT_CONST}"));
    let text = format!("(&{http}.Server{{{}}}).{func}({})", fields.join(", "), rest.join(", "));
    let mut edits = constant_edits(src, call)?;
    edits.push(Edit::replace(call.byte_range(), text));
    Some(Fix {
        id: "read-header-timeout",
        title: format!("Serve with an `http.Server` that sets `ReadHeaderTimeout: {TIMEOUT_CONST}`"),
        edits: merge_inserts(edits),
        preferred: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fix::apply_edits;
    use crate::analysis::{analyze_text, parse};

    fn findings(text: &str) -> Vec<Finding> {
        analyze_text(text, &Config::default()).into_iter().filter(|f| f.rule == RULE.id).collect()
    }

    fn fixed(text: &str) -> String {
        let found = findings(text);
        assert_eq!(found.len(), 1, "{found:?}");
        let out = apply_edits(text, &found[0].fixes[0].edits).unwrap();
        assert!(!parse(&out, None).root_node().has_error(), "does not parse:\n{out}");
        assert!(findings(&out).is_empty(), "{out}");
        out
    }

    #[test]
    fn insertion_realigns_the_run_it_joins() {
        let text = "package a\n\nimport (\n\t\"net/http\"\n\t\"time\"\n)\n\nfunc f(h http.Handler) {\n\tsrv := &http.Server{\n\t\tAddr:    \":80\",\n\t\tHandler: h,\n\t}\n\t_ = srv\n}\n";
        let out = fixed(text);
        assert!(out.contains("\t\tAddr:              \":80\",\n\t\tHandler:           h,\n\t\tReadHeaderTimeout: readHeaderTimeout,\n\t}"), "{out}");
        assert!(out.contains(")\n\n// readHeaderTimeout bounds how long a client may take to send a request's headers.\nconst readHeaderTimeout = 10 * time.Second\n\nfunc"), "{out}");
    }

    #[test]
    fn one_line_and_empty_literals() {
        let text = "package a\n\nimport \"net/http\"\n\nvar s = http.Server{Addr: \":80\"}\n";
        assert!(fixed(text).contains("var s = http.Server{Addr: \":80\", ReadHeaderTimeout: readHeaderTimeout}"));
        let text = "package a\n\nimport \"net/http\"\n\nconst readHeaderTimeout = 3\n\nvar s = &http.Server{}\n";
        let out = fixed(text);
        assert!(out.contains("var s = &http.Server{ReadHeaderTimeout: readHeaderTimeout}\n"), "{out}");
        assert!(!out.contains("import (") && out.matches("const readHeaderTimeout").count() == 1, "{out}");
    }

    #[test]
    fn serve_variants_keep_their_arguments() {
        let text = "package a\n\nimport \"net/http\"\n\nfunc f(l net.Listener) error {\n\treturn http.ServeTLS(l, nil, \"c\", \"k\")\n}\n";
        assert!(fixed(text)
            .contains("return (&http.Server{ReadHeaderTimeout: readHeaderTimeout}).ServeTLS(l, \"c\", \"k\")"));
    }
}
