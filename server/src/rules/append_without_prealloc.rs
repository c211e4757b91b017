use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::edits::ensure_imports;
use crate::analysis::go::{call_args, declaration_of, snippet, unparen, visit_all, visit_in_function, Declared};
use crate::analysis::{Edit, Finding, Fix, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "append-without-prealloc",
    summary: "A slice declared empty grows by one `append` per iteration of a loop whose length is known.",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/append-without-prealloc.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds a slice declared empty (`var s []T`, `s := []T{}`, `s := make([]T, 0)`) and then grown by
exactly one `s = append(s, x)` per iteration of the loop that follows it, when the number of
iterations is known before the loop:

- a range over a parameter or variable whose type is evidently a slice, array, map, string or
  integer (from its declared type or its initial value: `[]T{…}`, `make(…)`);
- a counted `for i := 0; i < n; i++` whose body assigns neither `i` nor what `n` is made of.

The append must be a statement of the loop body itself (not under an `if` or a `switch`), the body
must contain no `break`, `continue`, `return` or `goto`, must not mention the slice anywhere else, and
nothing between the declaration and the loop may touch the slice. The finding is on the declaration,
where the capacity belongs.

## Why it hurts under load

A slice that starts empty doubles its backing array as it fills (then grows by a quarter at a
time): reaching n elements takes about log2(n) allocations and copies, and every outgrown array is
garbage for the GC. For a few elements it does not matter; for a slice built on every request from
a list of hundreds or thousands of records, it multiplies the allocations of the request, and under
load that is more GC cycles, more CPU taken from the requests, and slower requests that keep more
of them in flight. In the incident behind gohazard, slices grown this way from nil were part of the
allocation pressure that fed the out-of-memory loop.

## Example

```go
var slice []string
for _, v := range source {
	slice = append(slice, v)
}
```

## Fix

Allocate the capacity once, before the loop: `slice := make([]string, 0, len(source))` (quick fix
`preallocate`; for a counted loop the capacity is its bound, for a range over an integer the
integer).

`make` returns an empty, non-nil slice where `var slice []string` left a nil one when the loop did
not run: `json.Marshal` then writes `[]` instead of `null`, and `slice == nil` becomes false. When
the slice was declared with `var` and is used after the loop in a way that can tell (returned,
passed to a function, stored, compared), the preferred quick fix is `preallocate-keep-nil`, which
keeps the declaration and adds `slice = slices.Grow(slice, len(source))`: `slices.Grow` leaves a nil
slice nil when there is nothing to reserve (Go 1.21, offered unless the module's `go` directive is
older). No fix is offered when the length expression could not be evaluated at the declaration
(something between the declaration and the loop assigns it).

## What it cannot see

- Ranges over call results, struct fields (`req.Items`), channels, functions and iterators: their
  type is not written in the function, so they stay quiet even when they are slices.
- Appends under a condition, loops that can stop early, and appends of `x...`: the final length is
  not the loop's length (filter loops may still want `make([]T, 0, len(src))` as an upper bound).
- Declarations in another block than the loop, slices used between the declaration and the loop,
  named slice types (`type Tags []string`), and ranges over literals (which are small).
- Whether the loop is long enough to matter: a loop over three elements is reported like one over
  three thousand.
"#;

/// The kinds of empty declaration the rule recognises.
#[derive(Clone, Copy, PartialEq)]
enum Empty {
    /// `var s []T`: nil until the first append.
    NilVar,
    /// `s := []T{}`, `s := make([]T, 0)`, `var s = …`: empty but not nil.
    NonNil,
}

struct Decl<'t> {
    stmt: Node<'t>,
    kind: Empty,
    /// The slice type, as written.
    ty: Node<'t>,
    /// The expression to replace by `make(…)` for a non-nil declaration.
    value: Option<Node<'t>>,
}

fn check<'t>(src: &Source<'t>, _config: &Config, out: &mut Vec<Finding>) {
    // Tests build small slices; preallocation there is noise.
    if src.file.is_test {
        return;
    }
    for m in matches(src, RULE.id) {
        let (Some(lp), Some(assign), Some(slice), Some(elem)) =
            (m.get("loop"), m.get("append"), m.get("slice"), m.get("elem"))
        else {
            continue;
        };
        if elem.kind() == "variadic_argument"
            || assign.child_by_field_name("operator").map(|o| src.text_of(o)) != Some("=")
        {
            continue;
        }
        let name = src.text_of(slice);
        let Some(body) = lp.child_by_field_name("body") else { continue };
        let Some(count) = loop_count(src, lp, body) else { continue };
        if !body_always_appends(src, body, assign, name) {
            continue;
        }
        let Some((decl, between)) = declaration_before(src, lp, name) else { continue };
        out.push(finding(src, lp, assign, &decl, &between, name, &count));
    }
}

/// How many times the loop runs, as an expression valid before the loop, with the names it reads.
struct Count<'t> {
    text: String,
    names: Vec<&'t str>,
    /// What one append is per, for the message (element of `updates`, iteration up to `n`).
    source: String,
}

fn loop_count<'t>(src: &Source<'t>, lp: Node<'t>, body: Node<'t>) -> Option<Count<'t>> {
    let mut cursor = lp.walk();
    let header = lp.named_children(&mut cursor).find(|n| n.id() != body.id() && n.kind() != "comment")?;
    match header.kind() {
        "range_clause" => {
            let x = unparen(header.child_by_field_name("right")?);
            if x.kind() != "identifier" {
                return None;
            }
            let name = src.text_of(x);
            let kind = range_kind(src, x, name)?;
            let text = match kind {
                RangeKind::Len => format!("len({name})"),
                RangeKind::Int => name.to_string(),
            };
            let source = match kind {
                RangeKind::Len => format!("element of `{name}`"),
                RangeKind::Int => format!("iteration up to `{name}`"),
            };
            Some(Count { text, names: vec![name], source })
        }
        "for_clause" => {
            let init = header.child_by_field_name("initializer")?;
            let cond = unparen(header.child_by_field_name("condition")?);
            let update = header.child_by_field_name("update")?;
            // `i := 0`
            if init.kind() != "short_var_declaration" {
                return None;
            }
            let (left, right) = (init.child_by_field_name("left")?, init.child_by_field_name("right")?);
            if left.named_child_count() != 1 || right.named_child_count() != 1 {
                return None;
            }
            let i = left.named_child(0)?;
            let zero = right.named_child(0)?;
            if i.kind() != "identifier" || zero.kind() != "int_literal" || src.text_of(zero) != "0" {
                return None;
            }
            let var = src.text_of(i);
            // `i < n`
            if cond.kind() != "binary_expression"
                || cond.child_by_field_name("operator").map(|o| src.text_of(o)) != Some("<")
                || cond.child_by_field_name("left").map(|l| src.text_of(unparen(l))) != Some(var)
            {
                return None;
            }
            let bound = unparen(cond.child_by_field_name("right")?);
            let names = pure_names(src, bound)?;
            if names.contains(&var) {
                return None;
            }
            // `i++`
            if update.kind() != "inc_statement" || update.named_child(0).map(|n| src.text_of(n)) != Some(var) {
                return None;
            }
            // The body must not move `i` or change the bound.
            let mut watched = names.clone();
            watched.push(var);
            if assigns_any(src, body, &watched) {
                return None;
            }
            let text = src.text_of(bound).to_string();
            let source = format!("iteration up to `{text}`");
            Some(Count { text, names, source })
        }
        _ => None,
    }
}

enum RangeKind {
    /// A slice, array, pointer to array, map or string: `len(x)` iterations at most.
    Len,
    /// An integer (Go 1.22): `x` iterations.
    Int,
}

/// What a ranged-over identifier is, from its declaration. Anything not evident (a call result, a
/// range variable, a channel, a function) is `None`.
fn range_kind(src: &Source<'_>, at: Node<'_>, name: &str) -> Option<RangeKind> {
    match declaration_of(src, at, name)? {
        Declared::Param(p) => type_kind(src, p.ty),
        Declared::Var { ty: Some(ty), .. } => type_kind(src, ty),
        Declared::Var { ty: None, value: Some(v), .. } => {
            let v = unparen(v);
            match v.kind() {
                "composite_literal" => v.child_by_field_name("type").and_then(|t| type_kind(src, t)),
                "interpreted_string_literal" | "raw_string_literal" => Some(RangeKind::Len),
                "call_expression" => {
                    let func = v.child_by_field_name("function")?;
                    let callee = src.text_of(func);
                    if func.kind() == "identifier" && callee == "make" && declaration_of(src, func, "make").is_none() {
                        call_args(v).first().and_then(|t| type_kind(src, *t))
                    } else {
                        None
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn type_kind(src: &Source<'_>, ty: Node<'_>) -> Option<RangeKind> {
    match ty.kind() {
        "slice_type" | "array_type" | "implicit_length_array_type" | "map_type" => Some(RangeKind::Len),
        "pointer_type" => ty.named_child(0).filter(|t| t.kind() == "array_type").map(|_| RangeKind::Len),
        "type_identifier" => match src.text_of(ty) {
            "string" => Some(RangeKind::Len),
            "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32" | "uint64"
            | "uintptr" => Some(RangeKind::Int),
            _ => None,
        },
        _ => None,
    }
}

/// The identifiers of an expression that can be evaluated again without side effects: a name, a
/// field path (`req.Items`), or `len` of one. Literals are left out: a loop of a constant length is
/// small or deliberate.
fn pure_names<'t>(src: &Source<'t>, expr: Node<'t>) -> Option<Vec<&'t str>> {
    let mut expr = unparen(expr);
    if expr.kind() == "call_expression" {
        let func = expr.child_by_field_name("function")?;
        let args = call_args(expr);
        if func.kind() != "identifier" || src.text_of(func) != "len" || args.len() != 1 {
            return None;
        }
        expr = unparen(args[0]);
    }
    // A name or a field path: what matters is the variable at its root.
    while expr.kind() == "selector_expression" {
        expr = unparen(expr.child_by_field_name("operand")?);
    }
    (expr.kind() == "identifier").then(|| vec![src.text_of(expr)])
}

/// Whether the body assigns (or takes the address of) any of `names`.
fn assigns_any(src: &Source<'_>, body: Node<'_>, names: &[&str]) -> bool {
    let mut found = false;
    visit_all(body, |n| {
        let targets: Vec<Node<'_>> = match n.kind() {
            "assignment_statement" | "short_var_declaration" => {
                n.child_by_field_name("left").map(|l| named(l)).unwrap_or_default()
            }
            "inc_statement" | "dec_statement" => n.named_child(0).into_iter().collect(),
            "unary_expression" if n.child_by_field_name("operator").map(|o| src.text_of(o)) == Some("&") => {
                n.child_by_field_name("operand").into_iter().collect()
            }
            _ => return,
        };
        for t in targets {
            let root = root_identifier(t);
            if root.is_some_and(|r| names.contains(&src.text_of(r))) {
                found = true;
            }
        }
    });
    found
}

/// `a` for `a`, `a.b.c`, `a[i]`.
fn root_identifier(mut n: Node<'_>) -> Option<Node<'_>> {
    loop {
        n = unparen(n);
        match n.kind() {
            "identifier" => return Some(n),
            "selector_expression" | "index_expression" => n = n.child_by_field_name("operand")?,
            _ => return None,
        }
    }
}

fn named(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Whether every iteration runs the append exactly once: no statement can leave or skip an
/// iteration, and the slice appears nowhere else in the body.
fn body_always_appends(src: &Source<'_>, body: Node<'_>, assign: Node<'_>, name: &str) -> bool {
    let mut ok = true;
    visit_in_function(body, |n| {
        if matches!(n.kind(), "break_statement" | "continue_statement" | "return_statement" | "goto_statement") {
            ok = false;
        }
    });
    if !ok {
        return false;
    }
    // Closures included: a function literal that captures the slice could change it.
    visit_all(body, |n| {
        if n.kind() == "identifier"
            && src.text_of(n) == name
            && !(assign.start_byte() <= n.start_byte() && n.end_byte() <= assign.end_byte())
        {
            ok = false;
        }
    });
    ok
}

/// The empty declaration of `name` before the loop in the same statement list, and the statements
/// in between, none of which mentions the slice.
fn declaration_before<'t>(src: &Source<'t>, lp: Node<'t>, name: &str) -> Option<(Decl<'t>, Vec<Node<'t>>)> {
    if lp.parent()?.kind() != "statement_list" {
        return None;
    }
    // The loop header must not read the slice either.
    let mut in_header = false;
    let body = lp.child_by_field_name("body")?;
    visit_all(lp, |n| {
        if n.kind() == "identifier" && src.text_of(n) == name && n.start_byte() < body.start_byte() {
            in_header = true;
        }
    });
    if in_header {
        return None;
    }
    let mut between = Vec::new();
    let mut prev = lp.prev_named_sibling();
    while let Some(stmt) = prev {
        prev = stmt.prev_named_sibling();
        if stmt.kind() == "comment" {
            continue;
        }
        if let Some(decl) = empty_declaration(src, stmt, name) {
            between.reverse();
            return Some((decl, between));
        }
        if mentions(src, stmt, name) || stmt.kind() == "labeled_statement" {
            return None;
        }
        between.push(stmt);
    }
    None
}

fn mentions(src: &Source<'_>, node: Node<'_>, name: &str) -> bool {
    let mut found = false;
    visit_all(node, |n| {
        if n.kind() == "identifier" && src.text_of(n) == name {
            found = true;
        }
    });
    found
}

/// `var s []T`, `var s = []T{}`, `s := []T{}`, `s := make([]T, 0)` declaring exactly `name`.
fn empty_declaration<'t>(src: &Source<'t>, stmt: Node<'t>, name: &str) -> Option<Decl<'t>> {
    match stmt.kind() {
        "var_declaration" => {
            let spec = stmt.named_child(0)?;
            if spec.kind() != "var_spec" || stmt.named_child_count() != 1 {
                return None;
            }
            let mut cursor = spec.walk();
            let names: Vec<_> = spec.children_by_field_name("name", &mut cursor).collect();
            if names.len() != 1 || src.text_of(names[0]) != name {
                return None;
            }
            match (spec.child_by_field_name("type"), spec.child_by_field_name("value")) {
                (Some(ty), None) if ty.kind() == "slice_type" => {
                    Some(Decl { stmt, kind: Empty::NilVar, ty, value: None })
                }
                (None, Some(values)) if values.named_child_count() == 1 => {
                    let value = values.named_child(0)?;
                    let ty = empty_slice_value(src, value)?;
                    Some(Decl { stmt, kind: Empty::NonNil, ty, value: Some(value) })
                }
                _ => None,
            }
        }
        "short_var_declaration" => {
            let (left, right) = (stmt.child_by_field_name("left")?, stmt.child_by_field_name("right")?);
            if left.named_child_count() != 1 || right.named_child_count() != 1 {
                return None;
            }
            if src.text_of(left.named_child(0)?) != name {
                return None;
            }
            let value = right.named_child(0)?;
            let ty = empty_slice_value(src, value)?;
            Some(Decl { stmt, kind: Empty::NonNil, ty, value: Some(value) })
        }
        _ => None,
    }
}

/// The slice type of `[]T{}` or `make([]T, 0)`.
fn empty_slice_value<'t>(src: &Source<'t>, value: Node<'t>) -> Option<Node<'t>> {
    let value = unparen(value);
    match value.kind() {
        "composite_literal" => {
            let ty = value.child_by_field_name("type")?;
            let body = value.child_by_field_name("body")?;
            (ty.kind() == "slice_type" && body.named_child_count() == 0).then_some(ty)
        }
        "call_expression" => {
            let func = value.child_by_field_name("function")?;
            if func.kind() != "identifier" || src.text_of(func) != "make" || declaration_of(src, func, "make").is_some()
            {
                return None;
            }
            let args = call_args(value);
            (args.len() == 2
                && args[0].kind() == "slice_type"
                && args[1].kind() == "int_literal"
                && src.text_of(args[1]) == "0")
                .then_some(args[0])
        }
        _ => None,
    }
}

/// Whether code after the loop can tell a nil slice from an empty one: any use other than `len`,
/// `cap`, ranging, indexing, or assigning it.
fn nil_observable(src: &Source<'_>, lp: Node<'_>, name: &str) -> bool {
    let Some(block) = lp.parent() else { return true };
    let mut observable = false;
    visit_all(block, |n| {
        if n.start_byte() < lp.end_byte() || n.kind() != "identifier" || src.text_of(n) != name {
            return;
        }
        let Some(parent) = n.parent() else { return };
        let safe = match parent.kind() {
            "argument_list" => parent.parent().is_some_and(|call| {
                call.child_by_field_name("function").is_some_and(|f| {
                    let f = src.text_of(f);
                    f == "len" || f == "cap" || (f == "append" && parent.named_child(0) == Some(n))
                })
            }),
            "range_clause" => true,
            "index_expression" => parent.child_by_field_name("operand") == Some(n),
            "expression_list" => parent
                .parent()
                .is_some_and(|s| s.kind() == "assignment_statement" && s.child_by_field_name("left") == Some(parent)),
            _ => false,
        };
        if !safe {
            observable = true;
        }
    });
    observable
}

fn finding(
    src: &Source<'_>,
    lp: Node<'_>,
    grow: Node<'_>,
    decl: &Decl<'_>,
    between: &[Node<'_>],
    name: &str,
    count: &Count<'_>,
) -> Finding {
    let message = format!(
        "`{name}` starts empty and grows by one `append` per {}, so its backing array is \
         reallocated and copied about log2(n) times and every outgrown copy is garbage for the GC, although \
         `{}` is known before the loop",
        count.source, count.text
    );
    // The capacity is evaluated at the declaration: nothing in between may change what it reads.
    let evaluable = !between.iter().any(|s| count.names.iter().any(|n| mentions(src, *s, n)));
    let mut fixes = Vec::new();
    if evaluable {
        let ty = src.text_of(decl.ty);
        let make = format!("make({ty}, 0, {})", count.text);
        // A `var s []T` becomes `s := make(…)`; otherwise only the empty value is replaced.
        let edit = match decl.value {
            Some(value) => Edit::replace(value.byte_range(), make),
            None => Edit::replace(decl.stmt.byte_range(), format!("{name} := {make}")),
        };
        let keep_nil = decl.kind == Empty::NilVar && nil_observable(src, lp, name);
        fixes.push(Fix {
            id: "preallocate",
            title: format!("Preallocate with `make({ty}, 0, {})`", snippet(&count.text)),
            edits: vec![edit],
            preferred: !keep_nil,
        });
        if decl.kind == Empty::NilVar && src.file.go_version.is_none_or(|v| v >= (1, 21)) {
            // The new line goes after the declaration's line, trailing comment included; a
            // declaration sharing its line with other code gets no such fix.
            let line_end = src.line_end_inclusive(decl.stmt.end_byte());
            let rest = src.text[decl.stmt.end_byte()..line_end].trim();
            let own_line = (rest.is_empty() || rest.starts_with("//")) && src.text[..line_end].ends_with('\n');
            if let Some((names, mut edits)) = ensure_imports(src, &["slices"]).filter(|_| own_line) {
                let indent = src.indent_at(decl.stmt.start_byte());
                edits.push(Edit::insert(
                    line_end,
                    format!("{indent}{name} = {}.Grow({name}, {}){}", names[0], count.text, src.newline()),
                ));
                fixes.push(Fix {
                    id: "preallocate-keep-nil",
                    title: format!("Reserve capacity with `slices.Grow`, keeping `{name}` nil for an empty loop"),
                    edits,
                    preferred: keep_nil,
                });
            }
        }
        // When nil matters but `slices.Grow` is unavailable, `make` is still offered, not preferred.
    }
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message,
        range: decl.stmt.byte_range(),
        related: vec![Related {
            range: grow.byte_range(),
            message: "grown here, one element per iteration".to_string(),
        }],
        fixes,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::{analyze_file, parse, FileInfo};
    use crate::config::Config;

    fn fixes(text: &str, go: Option<(u32, u32)>) -> Vec<Vec<&'static str>> {
        let tree = parse(text, None);
        let file = FileInfo { is_test: false, go_version: go };
        analyze_file(text, &tree, &Config::default(), &file, &Default::default())
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.fixes.iter().map(|x| x.id).collect())
            .collect()
    }

    #[test]
    fn half_typed_code_never_panics() {
        let text = include_str!("../../../tests/rules/append-without-prealloc/gin.go");
        for end in (0..text.len()).step_by(29).filter(|e| text.is_char_boundary(*e)) {
            let _ = crate::analysis::analyze_text(&text[..end], &Config::default());
        }
    }

    #[test]
    fn slices_grow_needs_go_1_21_and_a_capacity_evaluable_at_the_declaration() {
        let text = "package a\nfunc f(src []int) []int {\n\tvar out []int\n\tfor _, v := range src {\n\t\tout = append(out, v)\n\t}\n\treturn out\n}\n";
        assert_eq!(fixes(text, None), vec![vec!["preallocate", "preallocate-keep-nil"]]);
        assert_eq!(fixes(text, Some((1, 20))), vec![vec!["preallocate"]]);
        let later = "package a\nfunc f() []int {\n\tvar out []int\n\tsrc := load()\n\tfor _, v := range src {\n\t\tout = append(out, v)\n\t}\n\treturn out\n}\n";
        // `src` is declared after `out`, and its type is not written: nothing to report.
        assert_eq!(fixes(later, None), Vec::<Vec<&str>>::new());
        let typed = later.replace("src := load()", "var src []int = load()");
        assert_eq!(fixes(&typed, None), vec![Vec::<&str>::new()], "len(src) cannot move above its declaration");
    }
}
