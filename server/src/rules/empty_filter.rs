use std::collections::HashSet;

use tree_sitter::Node;

use super::{matches, Rule};
use crate::analysis::go::{
    call_args, is_standard_library, outermost_function, param_binding, snippet, unparen, visit_all,
};
use crate::analysis::index::{declarations, FuncDecl, Lookup};
use crate::analysis::{Finding, Related, Severity, Source};
use crate::config::Config;

pub(super) const RULE: Rule = Rule {
    id: "empty-filter",
    summary: "An empty map is passed where the callee expects a filter, so the call matches everything.",
    default_severity: Severity::Warning,
    fixable: false,
    query: include_str!("../../../queries/empty-filter.scm"),
    docs: DOCS,
    check,
};

const DOCS: &str = r#"
## What it does

Finds calls that pass an empty map where the callee's parameter is a filter:

- the argument is `make(map[K]V)` (with or without a size), `map[K]V{}`, `nil`, or a local
  variable created that way and never touched again before the call (not filled, not passed on,
  not reassigned);
- the parameter receiving it is named like a filter: a name made of words such as `filter`,
  `filters`, `where`, `selector`, `criteria` (`userFilter`, `label_selector`, `searchCriteria`), or
  `query`, `queries`, `opts`, `options` when the parameter is declared as a map and the callee
  takes no `path`, `url`, `uri`, `endpoint` or `route` (there an empty `query` map means "no URL
  parameters", not "everything");
- `nil` counts only when the parameter is declared as a map (`filter map[string]string`): a `nil`
  pointer, interface or options struct usually means "defaults";
- for a variadic parameter (`filters ...map[string]any`), only when the empty map is the one
  filter passed: next to other filters it may just add nothing.

The callee is found by name among the declarations of the workspace (functions, methods and
interface methods, across files and packages) and of the file itself:

- `GetInfo(...)`: functions named `GetInfo` of the file's own package;
- `toolbox.GetInfo(...)`: functions named `GetInfo` whose package clause is the imported package's
  name (the last element of its import path, so aliases such as `toolbox_api` resolve);
- `s.store.Find(...)`: methods named `Find` of any type, or of the receiver's type when the
  receiver is a parameter whose type is written out.

Declarations that cannot take the call's number of arguments are set aside. When several remain
and any of them names the parameter at that position otherwise than as a filter, the call is not
reported.

Code outside the workspace is described by the `filterFunctions` setting (`filter-functions` in
`gohazard.toml`), a list of entries `[QUALIFIER.]NAME[:N]`:

- `toolbox.GetInfo`: the function `GetInfo` of a package named `toolbox` (a lowercase qualifier
  is a package name, matched as above); `example.com/userservice/toolbox.GetInfo` names the
  package by its full import path;
- `Store.Find`: the method `Find` (a capitalised qualifier is a type; since the receiver's type is
  rarely visible, any method `Find` matches unless the receiver is a parameter of another type);
- `GetInfo`: any function or method named `GetInfo`;
- `:N` (1-based, the receiver not counted) says which argument is the filter, as in
  `toolbox.GetInfo:3`. With it, that argument is checked and `nil` counts; without it, every
  empty map literal, `make` or never-filled variable passed to the function counts, `nil` does not.

```toml
filter-functions = ["toolbox.GetInfo:3", "Store.Find"]
```

An entry of `filterFunctions` wins over the declarations found in the workspace.

## Why it hurts under load

An empty filter matches everything. The call still succeeds and the code after it often drops
what it did not want, so the results look right, but every call loads, transfers, decodes and
holds the whole set instead of the records it needs, and that waste is multiplied by every request
in flight. In the incident behind gohazard, `toolbox_api.GetInfo(userId, "", make(map[string]string))`
loaded 20–30% useless data in each of four goroutines per request: more allocations, more GC,
slower requests, more of them at once.

## Example

```go
// toolbox/toolbox.go
func GetInfo(userID, scope string, filter map[string]string) ([]Record, error) { ... }

// handlers/users.go
records, err := toolbox.GetInfo(userID, "", make(map[string]string)) // every record, revoked ones included
```

## Fix

Pass the filter the call needs, for example `map[string]string{"state": "active"}`. There is no
mechanical fix: the right filter is domain knowledge. When the call really must read everything
(an export, a cache warm-up), say so with `//gohazard:ignore empty-filter reason` on the line.

## What it cannot see

- Types: a named map type (`bson.M{}`, `Filter{}`) is not known to be a map, and an empty struct
  filter is not reported; `nil` counts only for parameters spelled `map[...]`.
- Maps built elsewhere: returned by a function, received as a parameter, held in a struct field
  or a package variable, or emptied later (`clear(m)`). A local map mentioned anywhere else in its
  function is assumed filled, even when the filling is conditional.
- Filters that are not maps: query builders, structs, strings.
- Callees reached through function values, embedded interfaces, dot imports, or packages whose
  name differs from the last element of their import path.
- Method calls are resolved by name only (Go types are not computed), so a method of the same name
  on an unrelated type can stand in for the real callee; the rule then stays quiet when the
  declarations disagree, and may speak when they agree.
- Whether an empty filter is intended ("list everything"): suppress such calls with a reason.
"#;

/// How an argument is known to be an empty map.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Empty<'t> {
    /// `make(map[K]V)` or `map[K]V{}`.
    Value,
    /// A `nil` literal: a map only if the parameter is declared as one.
    Nil,
    /// A variable declared here as an empty map and never touched before the call.
    Var(Node<'t>),
}

/// How the call names its callee.
enum Callee<'t> {
    /// `Name(...)`: a function of the file's own package.
    Plain,
    /// `pkg.Name(...)`: a function of an imported package (its import path).
    Package(String),
    /// `x.Name(...)`: a method; the receiver expression.
    Method(Node<'t>),
}

fn check<'t>(src: &Source<'t>, config: &Config, out: &mut Vec<Finding>) {
    let found = matches(src, RULE.id);
    if found.is_empty() {
        return;
    }
    // The file's own declarations, so the rule works without a workspace index; taken for the
    // first call that needs them, since most analyses after a keystroke have none.
    let mut local: Option<Vec<FuncDecl>> = None;
    let package = package_clause(src);
    let imported = import_paths(src);
    let entries: Vec<Entry> = config.filter_functions.iter().filter_map(|e| Entry::parse(e)).collect();
    let maps: HashSet<&str> = found.iter().filter_map(|m| m.get("map.name")).map(|n| src.text_of(n)).collect();
    for m in &found {
        let Some(call) = m.get("call") else { continue };
        // A variable is resolved last: following it costs a walk of its function.
        let (arg, empty, variable) = if let Some(a) = m.get("arg.make") {
            (a, Empty::Value, false)
        } else if let Some(a) = m.get("arg.literal") {
            if !is_empty_literal(a) {
                continue;
            }
            (a, Empty::Value, false)
        } else if let Some(a) = m.get("arg.nil") {
            (a, Empty::Nil, false)
        } else if let Some(a) = m.get("arg.var") {
            // Only a variable declared as a map can be an empty one; the others need no look-up.
            if !maps.contains(src.text_of(a)) {
                continue;
            }
            (a, Empty::Value, true)
        } else {
            continue;
        };
        let args = call_args(call);
        let Some(pos) = args.iter().position(|a| a.id() == arg.id()) else { continue };
        let spread = args.iter().any(|a| a.kind() == "variadic_argument");
        let Some((name, callee)) = callee(src, call, &imported) else { continue };
        let param = match entries.iter().find(|e| e.matches(src, &package, name, &callee)) {
            Some(entry) => match entry.position {
                Some(n) if n == pos + 1 => Some("the filter".to_string()),
                None if empty != Empty::Nil => Some("a filter".to_string()),
                _ => None,
            },
            // The standard library is not in the workspace: no look-up, which would otherwise send
            // every file calling `http.NewRequestWithContext(ctx, m, u, nil)` through `check`'s
            // second pass.
            None if matches!(&callee, Callee::Package(path) if is_standard_library(path)) => None,
            None => {
                // The declarations of that name that the call can reach (`filter_param` sets the others
                // aside).
                let reach = match &callee {
                    Callee::Plain => Lookup::Function { name: name.to_string(), package: package.clone() },
                    Callee::Package(path) => {
                        Lookup::Function { name: name.to_string(), package: package_of_path(path).to_string() }
                    }
                    Callee::Method(_) => Lookup::AnyMethod(name.to_string()),
                };
                let local = local.get_or_insert_with(|| declarations(src));
                let candidates = src.index.candidates(&reach).chain(local.iter().filter(|d| &*d.name == name));
                let found = filter_param(src, candidates, &package, &callee, pos, args.len(), spread, empty);
                // What another file would have to declare to change this answer, so `check` can
                // skip its second pass for the file when nothing does: a `nil` that no declaration
                // here takes as a filter can only become one through a declaration taking a map.
                // The question is this call's: the incremental cache charges it to the call's item.
                let _judging = src.judging(call);
                src.index.asked(if found.is_none() && empty == Empty::Nil {
                    Lookup::MapParam { of: Box::new(reach), pos, nargs: args.len(), spread }
                } else {
                    reach
                });
                found.map(|p| format!("the filter `{p}`"))
            }
        };
        let Some(param) = param else { continue };
        let empty = if variable {
            match never_filled(src, call, arg) {
                Some(decl) => Empty::Var(decl),
                None => continue,
            }
        } else {
            empty
        };
        out.push(finding(src, call, arg, empty, &param));
    }
}

fn finding(src: &Source<'_>, call: Node<'_>, arg: Node<'_>, empty: Empty<'_>, param: &str) -> Finding {
    let callee = call.child_by_field_name("function").map(|f| src.text_of(f)).unwrap_or("the callee");
    let what = match empty {
        Empty::Var(_) => format!("`{}`, an empty map,", snippet(src.text_of(arg))),
        _ => format!("`{}`", snippet(src.text_of(arg))),
    };
    let related = match empty {
        Empty::Var(decl) => vec![Related {
            range: decl.byte_range(),
            message: "the map is created empty here and never filled before the call".to_string(),
        }],
        _ => Vec::new(),
    };
    Finding {
        rule: RULE.id,
        severity: RULE.default_severity,
        message: format!(
            "{what} passed as {param} of `{callee}` matches everything: every call loads and processes the whole \
             set instead of the records it needs, times every request in flight"
        ),
        range: arg.byte_range(),
        related,
        fixes: Vec::new(),
    }
}

/// Whether a map composite literal has no elements.
fn is_empty_literal(lit: Node<'_>) -> bool {
    let Some(body) = lit.child_by_field_name("body") else { return false };
    let mut cursor = body.walk();
    let empty = body.named_children(&mut cursor).all(|n| n.kind() == "comment");
    empty
}

/// Whether `value` is `make(map[K]V[, n])` or `map[K]V{}`.
fn is_empty_map_value(src: &Source<'_>, value: Node<'_>) -> bool {
    let value = unparen(value);
    match value.kind() {
        "composite_literal" => {
            value.child_by_field_name("type").is_some_and(|t| t.kind() == "map_type") && is_empty_literal(value)
        }
        "call_expression" => {
            let is_make = value.child_by_field_name("function").is_some_and(|f| src.text_of(f) == "make");
            let first = value.child_by_field_name("arguments").and_then(|a| a.named_child(0));
            is_make && first.is_some_and(|t| t.kind() == "map_type")
        }
        _ => false,
    }
}

/// For a variable argument, the node that declares it as an empty map when the variable is
/// declared in the enclosing function and appears nowhere else: any other mention (an index
/// assignment, a call it is passed to, `&m`, a reassignment, a capture) may fill it.
fn never_filled<'t>(src: &Source<'_>, call: Node<'t>, ident: Node<'t>) -> Option<Node<'t>> {
    let name = src.text_of(ident);
    if name == "_" || param_binding(src, call, name).is_some() {
        return None;
    }
    let func = outermost_function(call)?;
    let mut others = Vec::new();
    visit_all(func, |n| {
        if n.kind() == "identifier" && n.id() != ident.id() && src.text_of(n) == name {
            others.push(n);
        }
    });
    let [decl] = others[..] else { return None };
    if decl.end_byte() > call.start_byte() {
        return None;
    }
    let parent = decl.parent()?;
    match parent.kind() {
        "expression_list" => {
            let stmt = parent.parent().filter(|s| s.kind() == "short_var_declaration")?;
            if stmt.child_by_field_name("left")? != parent {
                return None;
            }
            let i = named(parent).iter().position(|n| n.id() == decl.id())?;
            let values = named(stmt.child_by_field_name("right")?);
            let value = *values.get(i).filter(|_| values.len() == named(parent).len())?;
            is_empty_map_value(src, value).then_some(stmt)
        }
        "var_spec" => {
            let mut cursor = parent.walk();
            let i = parent.children_by_field_name("name", &mut cursor).position(|n| n.id() == decl.id())?;
            match parent.child_by_field_name("value") {
                Some(list) => {
                    let value = *named(list).get(i)?;
                    is_empty_map_value(src, value).then_some(parent)
                }
                // `var m map[K]V` is a nil map.
                None => parent.child_by_field_name("type").filter(|t| t.kind() == "map_type").map(|_| parent),
            }
        }
        _ => None,
    }
}

fn named(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect()
}

/// The callee's name and how the call reaches it.
fn callee<'a, 't>(src: &Source<'a>, call: Node<'t>, imported: &[String]) -> Option<(&'a str, Callee<'t>)> {
    let func = unparen(call.child_by_field_name("function")?);
    match func.kind() {
        "identifier" => {
            let name = src.text_of(func);
            // A parameter holding a function value is not the declared function of that name.
            (param_binding(src, call, name).is_none()).then_some((name, Callee::Plain))
        }
        "selector_expression" => {
            let operand = unparen(func.child_by_field_name("operand")?);
            let name = src.text_of(func.child_by_field_name("field")?);
            if operand.kind() == "identifier" && param_binding(src, call, src.text_of(operand)).is_none() {
                let local = src.text_of(operand);
                // For a path the file imports, `is_package` holds exactly when `local` is its local
                // name.
                if let Some(path) = imported.iter().find(|p| src.is_package(local, p)) {
                    return Some((name, Callee::Package(path.clone())));
                }
            }
            Some((name, Callee::Method(operand)))
        }
        _ => None,
    }
}

/// The import paths of the file, in order (blank and dot imports included).
fn import_paths(src: &Source<'_>) -> Vec<String> {
    let mut paths = Vec::new();
    for &decl in src.import_decls() {
        visit_all(decl, |n| {
            if n.kind() == "import_spec" {
                if let Some(p) = n.child_by_field_name("path") {
                    paths.push(src.text_of(p).trim_matches(['"', '`']).to_string());
                }
            }
        });
    }
    paths
}

/// The package name an import path is known by, as Go tools guess it: the last element, without a
/// major-version suffix (`/v2`, `.v3`), a `go-` prefix or a `.go`/`-go` suffix.
fn package_of_path(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    let is_version = |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit());
    if is_version(last) {
        last = parts.next().unwrap_or(last);
    }
    if let Some((head, tail)) = last.rsplit_once('.') {
        if is_version(tail) || tail == "go" {
            last = head;
        }
    }
    let last = last.strip_prefix("go-").unwrap_or(last);
    last.strip_suffix("-go").unwrap_or(last)
}

fn package_clause(src: &Source<'_>) -> String {
    let root = src.root();
    let mut cursor = root.walk();
    let clause = root.named_children(&mut cursor).find(|n| n.kind() == "package_clause");
    clause.and_then(|c| c.named_child(0)).map(|n| src.text_of(n).to_string()).unwrap_or_default()
}

/// The receiver's type name when the receiver is a parameter whose type is written out
/// (`s *Store` gives `Store`, `f store.Finder` gives `Finder`).
fn receiver_type<'a>(src: &Source<'a>, recv: Node<'_>) -> Option<&'a str> {
    if recv.kind() != "identifier" {
        return None;
    }
    let mut ty = param_binding(src, recv, src.text_of(recv))?.ty;
    if ty.kind() == "pointer_type" {
        ty = ty.named_child(0)?;
    }
    if ty.kind() == "generic_type" {
        ty = ty.child_by_field_name("type")?;
    }
    match ty.kind() {
        "type_identifier" => Some(src.text_of(ty)),
        "qualified_type" => Some(src.text_of(ty.child_by_field_name("name")?)),
        _ => None,
    }
}

/// The name of the parameter receiving argument `pos`, when every declaration the call may reach
/// treats it as a filter.
#[allow(clippy::too_many_arguments)]
fn filter_param<'d>(
    src: &Source<'_>,
    candidates: impl Iterator<Item = &'d FuncDecl>,
    package: &str,
    callee: &Callee<'_>,
    pos: usize,
    nargs: usize,
    spread: bool,
    empty: Empty<'_>,
) -> Option<String> {
    let call_recv = match callee {
        Callee::Method(recv) => receiver_type(src, *recv),
        _ => None,
    };
    let mut filter = None;
    for d in candidates {
        let reachable = match callee {
            Callee::Plain => d.receiver.is_none() && *d.package == *package,
            Callee::Package(path) => d.receiver.is_none() && &*d.package == package_of_path(path),
            Callee::Method(recv) => match &d.receiver {
                // A method expression (`Store.Find(s, ...)`) shifts the arguments by one: stay quiet.
                Some(r) if src.text_of(*recv).trim_matches(['(', ')', '*']) == &**r => return None,
                Some(r) => call_recv.is_none_or(|t| t == &**r),
                None => false,
            },
        };
        if !reachable || !(spread || d.accepts(nargs)) {
            continue;
        }
        let Some((name, ty)) = d.param_at(pos) else { continue };
        // One empty map among several variadic filters may be a no-op rather than "everything".
        if ty.starts_with("...") && (spread || nargs > d.params().len()) {
            return None;
        }
        if name.is_empty() || name == "_" {
            // An unnamed or ignored parameter says nothing either way.
            continue;
        }
        if !is_filter(d, name, ty, empty) {
            return None;
        }
        filter.get_or_insert_with(|| name.to_string());
    }
    filter
}

/// Whether the parameter `name` of type `ty` of `d` is a filter that `empty` leaves empty.
fn is_filter(d: &FuncDecl, name: &str, ty: &str, empty: Empty<'_>) -> bool {
    let ty = ty.trim_start_matches("...");
    let is_map = ty.starts_with("map[");
    if empty == Empty::Nil && !is_map {
        return false;
    }
    let name_words = words(name);
    let strong = name_words.iter().any(|w| {
        matches!(w.as_str(), "filter" | "filters" | "where" | "selector" | "selectors" | "criteria" | "criterion")
    });
    if strong {
        return true;
    }
    let weak = name_words.iter().any(|w| matches!(w.as_str(), "query" | "queries" | "opts" | "options"));
    // An HTTP helper's `query` map holds URL parameters: empty means none, not everything.
    let url_helper = d
        .params()
        .iter()
        .flat_map(|p| words(p))
        .any(|w| matches!(w.as_str(), "path" | "url" | "uri" | "endpoint" | "route"));
    weak && is_map && !url_helper
}

/// The lowercase words of an identifier: `userFilter` gives `user`, `filter`; `label_selector`
/// gives `label`, `selector`; `URLQuery` gives `url`, `query`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One `filterFunctions` entry: `[QUALIFIER.]NAME[:N]`.
struct Entry {
    /// A package name or import path (lowercase or containing `/`), or a type name (capitalised).
    qualifier: Option<String>,
    name: String,
    /// The 1-based position of the filter argument.
    position: Option<usize>,
}

impl Entry {
    fn parse(text: &str) -> Option<Entry> {
        let text = text.trim();
        let (head, position) = match text.rsplit_once(':') {
            Some((h, n)) => (h, Some(n.trim().parse::<usize>().ok().filter(|&n| n > 0)?)),
            None => (text, None),
        };
        let (qualifier, name) = match head.rsplit_once('.') {
            Some((q, n)) if !n.contains('/') => (Some(q.to_string()), n),
            Some(_) => return None,
            None => (None, head),
        };
        let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ident(name) || qualifier.as_deref().is_some_and(str::is_empty) {
            return None;
        }
        Some(Entry { qualifier, name: name.to_string(), position })
    }

    fn matches(&self, src: &Source<'_>, package: &str, name: &str, callee: &Callee<'_>) -> bool {
        if self.name != name {
            return false;
        }
        let Some(q) = self.qualifier.as_deref() else { return true };
        let is_type = !q.contains('/') && q.starts_with(|c: char| c.is_uppercase());
        match callee {
            Callee::Plain => !is_type && (q == package),
            Callee::Package(path) => !is_type && (q == path || q == package_of_path(path)),
            Callee::Method(recv) => is_type && receiver_type(src, *recv).is_none_or(|t| t == q),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::index::Index;
    use crate::analysis::{analyze_file, parse, FileInfo};

    fn run(text: &str, others: &[&str], config: &Config) -> Vec<Finding> {
        let mut index = Index::default();
        for (i, other) in others.iter().enumerate() {
            let tree = parse(other, None);
            index.set_file(&format!("other{i}.go"), declarations(&Source::new(other, &tree)));
        }
        let tree = parse(text, None);
        analyze_file(text, &tree, config, &FileInfo::default(), &index)
            .into_iter()
            .filter(|f| f.rule == RULE.id)
            .collect()
    }

    fn flagged<'a>(text: &'a str, others: &[&str], config: &Config) -> Vec<&'a str> {
        run(text, others, config).iter().map(|f| &text[f.range.clone()]).collect()
    }

    const TOOLBOX: &str = "package toolbox\n\
        func GetInfo(userID, scope string, filter map[string]string) ([]Record, error) { return nil, nil }\n";

    const CALLER: &str = "package handlers\n\
        import toolbox_api \"example.com/svc/toolbox\"\n\
        func load(userID string) {\n\
        \ttoolbox_api.GetInfo(userID, \"\", make(map[string]string))\n\
        \ttoolbox_api.GetInfo(userID, \"\", map[string]string{\"state\": \"active\"})\n\
        \ttoolbox_api.GetInfo(userID, \"\", nil)\n\
        }\n";

    #[test]
    fn cross_package_calls_resolve_through_import_aliases() {
        assert_eq!(flagged(CALLER, &[TOOLBOX], &Config::default()), ["make(map[string]string)", "nil"]);
        // Without the declaration, nothing is known about GetInfo.
        assert!(flagged(CALLER, &[], &Config::default()).is_empty());
        // A function of that name in another package is not the callee.
        let other = TOOLBOX.replace("package toolbox", "package billing");
        assert!(flagged(CALLER, &[&other], &Config::default()).is_empty());
    }

    #[test]
    fn methods_across_files_and_disagreeing_candidates() {
        let store = "package store\n\
            type Store struct{}\n\
            func (s *Store) Find(ctx context.Context, where map[string]any) ([]Row, error) { return nil, nil }\n";
        let caller = "package svc\n\
            func (s *Service) list(ctx context.Context) {\n\
            \ts.store.Find(ctx, map[string]any{})\n\
            }\n";
        assert_eq!(flagged(caller, &[store], &Config::default()), ["map[string]any{}"]);
        // A `Find` elsewhere whose second parameter is not a filter: the callee is ambiguous.
        let cache = "package cache\n\
            func (c *Cache) Find(ctx context.Context, defaults map[string]any) {}\n";
        assert!(flagged(caller, &[store, cache], &Config::default()).is_empty());
        // An interface method with unnamed parameters abstains; one with a filter name agrees.
        let iface = "package store\n\
            type Finder interface { Find(context.Context, map[string]any) ([]Row, error) }\n\
            type Querier interface { Find(ctx context.Context, filter map[string]any) ([]Row, error) }\n";
        assert_eq!(flagged(caller, &[store, iface], &Config::default()), ["map[string]any{}"]);
        // A method of a different arity cannot be the callee and is set aside.
        let other_arity = "package cache\nfunc (c *Cache) Find(key string) {}\n";
        assert_eq!(flagged(caller, &[store, other_arity], &Config::default()), ["map[string]any{}"]);
    }

    #[test]
    fn the_receiver_parameter_type_narrows_methods() {
        let decls = "package store\n\
            func (s *Store) Find(ctx context.Context, where map[string]any) {}\n\
            func (c *Cache) Find(ctx context.Context, seed map[string]any) {}\n";
        let caller = "package svc\n\
            func a(ctx context.Context, st *Store) { st.Find(ctx, map[string]any{}) }\n\
            func b(ctx context.Context, c *Cache) { c.Find(ctx, map[string]any{}) }\n";
        assert_eq!(flagged(caller, &[decls], &Config::default()), ["map[string]any{}"]);
        assert_eq!(run(caller, &[decls], &Config::default())[0].range.start, caller.find("map[string]any{}").unwrap());
    }

    #[test]
    fn configured_functions_cover_code_outside_the_workspace() {
        let config = |list: &[&str]| Config {
            filter_functions: list.iter().map(|s| s.to_string()).collect(),
            ..Config::default()
        };
        assert_eq!(
            flagged(CALLER, &[], &config(&["toolbox.GetInfo"])),
            ["make(map[string]string)"],
            "nil counts only with a position"
        );
        assert_eq!(flagged(CALLER, &[], &config(&["toolbox.GetInfo:3"])), ["make(map[string]string)", "nil"]);
        assert_eq!(flagged(CALLER, &[], &config(&["example.com/svc/toolbox.GetInfo:3"])).len(), 2);
        assert!(flagged(CALLER, &[], &config(&["toolbox.GetInfo:2"])).is_empty());
        assert!(flagged(CALLER, &[], &config(&["billing.GetInfo"])).is_empty());
        assert!(flagged(CALLER, &[], &config(&["Store.GetInfo"])).is_empty(), "a type does not match a package");
        assert_eq!(flagged(CALLER, &[], &config(&["GetInfo"])).len(), 1);
        let method = "package svc\n\
            func a(ctx context.Context, s *Svc) { s.db.Find(ctx, bson.M{}, map[string]any{}) }\n\
            func b(ctx context.Context, o *Other) { o.Find(ctx, map[string]any{}) }\n";
        assert_eq!(flagged(method, &[], &config(&["Store.Find"])), ["map[string]any{}"]);
        // An entry overrides the workspace: the declaration says `defaults`, the entry says filter.
        let decl = "package svc\nfunc (o *Other) Find(ctx context.Context, defaults map[string]any) {}\n";
        assert!(flagged(method, &[decl], &Config::default()).is_empty());
        assert_eq!(flagged(method, &[decl], &config(&["Other.Find:2"])).len(), 1);
        // Malformed entries are ignored.
        for bad in ["", ":2", "toolbox.", "a/b", "GetInfo:0", "GetInfo:x"] {
            assert!(Entry::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_example_service_planted_hazard_is_found_with_the_index() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/service");
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        let (users, toolbox) = (read("handlers/users.go"), read("toolbox/toolbox.go"));
        let found = run(&users, &[&toolbox], &Config::default());
        let lines: Vec<_> = found.iter().map(|f| users[..f.range.start].matches('\n').count() + 1).collect();
        assert_eq!(lines, [99], "{found:#?}");
        assert_eq!(&users[found[0].range.clone()], "make(map[string]string)");
    }

    #[test]
    fn half_typed_code_does_not_panic() {
        let text = format!("{CALLER}\n{}", TOOLBOX.replace("package toolbox\n", ""));
        for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let cut = &text[..end];
            let tree = parse(cut, None);
            let mut src = Source::new(cut, &tree);
            src.prepare_matches();
            let mut out = Vec::new();
            check(&src, &Config::default(), &mut out);
        }
    }

    #[test]
    fn words_split_identifiers() {
        assert_eq!(words("userFilter"), ["user", "filter"]);
        assert_eq!(words("label_selector"), ["label", "selector"]);
        assert_eq!(words("URLQuery"), ["url", "query"]);
        assert_eq!(words("filters2"), ["filters2"]);
        assert_eq!(package_of_path("gopkg.in/yaml.v3"), "yaml");
        assert_eq!(package_of_path("github.com/x/go-toolbox/v2"), "toolbox");
    }
}
