//! Edit builders that fixes of several rules share: making sure a package is imported, and adding
//! a declaration at file level after the imports.
//!
//! The edits keep the file the way gofmt and goimports would leave it: a standard-library import
//! goes into the standard library's group of an existing block in sorted position, any other into
//! the group gopls would choose (or a new last group), a single `import "x"` becomes a block with
//! the two kinds in separate groups, and new lines use the file's line break. Every builder answers `None` rather than
//! produce code that would not compile, for example when the package's name is already taken.

use tree_sitter::Node;

use super::{Edit, Source};

/// The names under which `paths` can be used after the edits, in the same order, and the edits
/// that add the missing imports. `None` when a missing package's default name is already bound to
/// another import, since importing it would clash (an alias would surprise the reader more than a
/// missing fix).
pub fn ensure_imports(src: &Source<'_>, paths: &[&str]) -> Option<(Vec<String>, Vec<Edit>)> {
    ensure_imports_after(src, paths, &[])
}

/// [`ensure_imports`] for a fix that also deletes the byte ranges `deleted`: an import spec inside
/// one counts as gone when the new imports find their group, so that deleting the last package of a
/// group and adding one of another kind leaves no empty group behind.
pub fn ensure_imports_after(
    src: &Source<'_>,
    paths: &[&str],
    deleted: &[std::ops::Range<usize>],
) -> Option<(Vec<String>, Vec<Edit>)> {
    let mut names = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    for &path in paths {
        if let Some(name) = src.import_name(path) {
            names.push(name.to_string());
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        // `is_package` is true for an unimported name only when no other import took it.
        if !src.is_package(name, path) {
            return None;
        }
        names.push(name.to_string());
        if !missing.contains(&path) {
            missing.push(path);
        }
    }
    if missing.is_empty() {
        return Some((names, Vec::new()));
    }
    missing.sort_unstable();
    Some((names, import_edits(src, &missing, deleted)?))
}

/// The edits that add `paths` (sorted, none imported yet) to the file. Standard-library packages
/// and the others go in separate groups, as goimports keeps them: a fix that mixed them would be
/// regrouped by the next save in most editors.
fn import_edits(src: &Source<'_>, paths: &[&str], deleted: &[std::ops::Range<usize>]) -> Option<Vec<Edit>> {
    let nl = src.newline();
    let root = src.root();
    let (std, other): (Vec<&str>, Vec<&str>) = paths.iter().partition(|p| is_std(p));
    let decls: Vec<Node<'_>> = children(root).into_iter().filter(|n| n.kind() == "import_declaration").collect();
    // cgo's `import "C"` must stay alone right after its preamble comment; never touch it.
    let usable: Vec<Node<'_>> = decls.iter().copied().filter(|d| !imports_c(src, *d)).collect();
    if let Some(list) = usable.iter().find_map(|d| d.named_child(0).filter(|c| c.kind() == "import_spec_list")) {
        return insert_into_block(src, list, &std, &other, deleted);
    }
    let quoted = |paths: &[&str]| -> Vec<String> { paths.iter().map(|p| format!("\"{p}\"")).collect() };
    let (mut std, mut other) = (quoted(&std), quoted(&other));
    if let Some(&decl) = usable.first() {
        // A single `import "x"`: rewrite it as a block holding the old spec and the new ones.
        let spec = decl.named_child(0)?;
        if gone(deleted, spec) {
            return None;
        }
        let old = src.text_of(spec).to_string();
        if is_std(spec_path(src, spec)) {
            std.push(old)
        } else {
            other.push(old)
        }
        for group in [&mut std, &mut other] {
            group.sort_by(|a, b| unquote_spec(a).cmp(unquote_spec(b)));
        }
        return Some(vec![Edit::replace(decl.byte_range(), format!("import ({nl}{}", groups_text(&std, &other, nl)))]);
    }
    let text = match (std.as_slice(), other.as_slice()) {
        ([one], []) | ([], [one]) => format!("import {one}"),
        _ => format!("import ({nl}{}", groups_text(&std, &other, nl)),
    };
    // After the last import declaration (only `import "C"` ones are left), else after the
    // package clause.
    let anchor = decls.last().copied().or_else(|| package_clause(root))?;
    Some(vec![Edit::insert(anchor.end_byte(), format!("{nl}{nl}{text}"))])
}

/// The lines of a new import block's specs and its closing parenthesis: the standard library's
/// group, a blank line, then the other packages' group.
fn groups_text(std: &[String], other: &[String], nl: &str) -> String {
    let lines = |specs: &[String]| -> String { specs.iter().map(|s| format!("\t{s}{nl}")).collect() };
    let gap = if std.is_empty() || other.is_empty() { "" } else { nl };
    format!("{}{gap}{})", lines(std), lines(other))
}

/// Inserts the standard-library packages `std` and the other packages `other` into an import
/// block, each in sorted position into a group (run of specs without a blank line) of its kind:
/// `std` into the first group that holds standard-library packages, or a new first group; `other`
/// into the group of the spec that shares the longest leading path with it, else the first group
/// holding another non-standard package (where gopls adds one), else a new last group.
/// `None` when the block is not a whole `( ... )` (half-typed code, where the parser recovered
/// with a block that lacks a parenthesis): no fix is better than one that edits the wrong place.
fn insert_into_block(
    src: &Source<'_>,
    list: Node<'_>,
    std: &[&str],
    other: &[&str],
    deleted: &[std::ops::Range<usize>],
) -> Option<Vec<Edit>> {
    let block = src.text.get(list.byte_range())?;
    if block.len() < 2 || !block.starts_with('(') || !block.ends_with(')') {
        return None;
    }
    let nl = src.newline();
    let specs: Vec<Node<'_>> =
        children(list).into_iter().filter(|n| n.kind() == "import_spec" && !gone(deleted, *n)).collect();
    let Some(first) = specs.first() else {
        // An empty `import ()`: put the specs between the parentheses.
        let spec_lines = |paths: &[&str]| -> String { paths.iter().map(|p| format!("{nl}\t\"{p}\"")).collect() };
        let gap = if std.is_empty() || other.is_empty() { "" } else { nl };
        let text = format!("{}{gap}{}", spec_lines(std), spec_lines(other));
        let open = list.start_byte() + 1;
        let close_on_own_line = src.text[open..list.end_byte() - 1].contains('\n');
        let text = if close_on_own_line { text } else { format!("{text}{nl}") };
        return Some(vec![Edit::insert(open, text)]);
    };
    // Split into groups at blank lines, as gofmt sorts each group on its own.
    let mut groups: Vec<Vec<Node<'_>>> = vec![vec![*first]];
    for pair in specs.windows(2) {
        let gap = &src.text[pair[0].end_byte()..pair[1].start_byte()];
        if gap.matches('\n').count() > 1 {
            groups.push(Vec::new());
        }
        groups.last_mut().expect("groups is never empty").push(pair[1]);
    }
    let indent = src.indent_at(first.start_byte());
    let line = |p: &str| format!("{indent}\"{p}\"{nl}");
    let mut edits: Vec<Edit> = Vec::new();
    let insert_sorted = |group: &[Node<'_>], p: &str| {
        let at = match group.iter().find(|s| spec_path(src, **s) > p) {
            Some(s) => src.line_start(s.start_byte()),
            None => src.line_end_inclusive(group.last().expect("groups are non-empty").end_byte()),
        };
        Edit::insert(at, line(p))
    };
    if !std.is_empty() {
        match groups.iter().find(|g| g.iter().any(|s| is_std(spec_path(src, *s)))) {
            Some(group) => edits.extend(std.iter().map(|p| insert_sorted(group, p))),
            None => {
                let text: String = std.iter().map(|p| line(p)).collect();
                edits.push(Edit::insert(src.line_start(first.start_byte()), format!("{text}{nl}")));
            }
        }
    }
    let mut new_group = String::new();
    for p in other {
        // gopls's rule (x/tools' astutil.AddImport): the spec whose path shares the most leading
        // `/`-separated elements, else the first non-standard one.
        let shared = |s: &Node<'_>| {
            let q = spec_path(src, *s);
            q.bytes().zip(p.bytes()).take_while(|(a, b)| a == b).filter(|(a, _)| *a == b'/').count()
        };
        let best = groups.iter().flat_map(|g| g.iter().map(move |s| (g, s))).max_by_key(|(_, s)| shared(s));
        let target = match best {
            Some((g, s)) if shared(s) > 0 => Some(g),
            _ => groups.iter().find(|g| g.iter().any(|s| !is_std(spec_path(src, *s)))),
        };
        match target {
            Some(group) => edits.push(insert_sorted(group, p)),
            None => new_group.push_str(&line(p)),
        }
    }
    if !new_group.is_empty() {
        let last = specs.last().expect("specs are non-empty");
        edits.push(Edit::insert(src.line_end_inclusive(last.end_byte()), format!("{nl}{new_group}")));
    }
    Some(merge_inserts(edits))
}

/// Whether `node` lies inside one of the ranges a fix deletes.
fn gone(deleted: &[std::ops::Range<usize>], node: Node<'_>) -> bool {
    deleted.iter().any(|r| r.start <= node.start_byte() && node.end_byte() <= r.end)
}

/// Whether the file declares `name` at package level (a constant, variable, type or function), so
/// a fix for the code at `at` can reuse it instead of declaring it again.
pub fn declares_top_level(src: &Source<'_>, name: &str, at: Node<'_>) -> bool {
    top_level_names(src).contains(name, at)
}

/// The names the file declares at package level, as [`top_level_names`] finds them. Asking
/// whether it holds a name notes the question ([`super::source::note_top_level_read`]): a fix's
/// choice of a name depends on the declarations of the whole file, which the item that asks need
/// not mention, so the incremental cache must know which names each item asked about.
pub struct TopLevelNames<'a>(std::collections::HashSet<&'a str>);

impl TopLevelNames<'_> {
    /// Whether the file declares `name` at package level, asked for a fix of the code at `at`
    /// (noting the question for the item that holds `at`, see above).
    pub fn contains(&self, name: &str, at: Node<'_>) -> bool {
        super::source::note_top_level_read(name, at);
        self.0.contains(name)
    }
}

/// Every name [`declares_top_level`] knows, in one pass over the file. Rules that ask about many
/// names, or once per finding, compute this once: asking [`declares_top_level`] each time costs a
/// scan of the whole file, which made a file of thousands of findings quadratic.
pub fn top_level_names<'a>(src: &Source<'a>) -> TopLevelNames<'a> {
    let mut names = std::collections::HashSet::new();
    for decl in children(src.root()) {
        match decl.kind() {
            "function_declaration" => names.extend(decl.child_by_field_name("name").map(|n| src.text_of(n))),
            "const_declaration" | "var_declaration" | "type_declaration" => {
                super::go::visit_all(decl, |n| {
                    if matches!(n.kind(), "const_spec" | "var_spec" | "type_spec" | "type_alias") {
                        let mut c = n.walk();
                        names.extend(n.children_by_field_name("name", &mut c).map(|id| src.text_of(id)));
                    }
                });
            }
            _ => {}
        }
    }
    TopLevelNames(names)
}

/// Adds `decl` (one or more lines, without a trailing line break) at file level, after the last
/// import declaration or, without imports, after the package clause, separated by a blank line.
pub fn add_top_level(src: &Source<'_>, decl: &str) -> Option<Edit> {
    let root = src.root();
    let nodes = children(root);
    let anchor =
        nodes.iter().rev().find(|n| n.kind() == "import_declaration").copied().or_else(|| package_clause(root))?;
    let nl = src.newline();
    let decl = decl.replace('\n', nl);
    Some(Edit::insert(anchor.end_byte(), format!("{nl}{nl}{decl}")))
}

/// Joins insertions at the same offset into one edit, keeping their order, so that the result does
/// not depend on how the edits are later sorted. Other edits pass through unchanged.
pub fn merge_inserts(edits: Vec<Edit>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        let same =
            e.range.is_empty().then(|| out.iter_mut().find(|o| o.range.is_empty() && o.range.start == e.range.start));
        match same.flatten() {
            Some(o) => o.new_text.push_str(&e.new_text),
            None => out.push(e),
        }
    }
    out
}

fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

fn package_clause(root: Node<'_>) -> Option<Node<'_>> {
    children(root).into_iter().find(|n| n.kind() == "package_clause")
}

fn spec_path<'a>(src: &Source<'a>, spec: Node<'_>) -> &'a str {
    spec.child_by_field_name("path").map_or("", |p| src.text_of(p).trim_matches(['"', '`']))
}

/// The import path of a spec's text (`alias "path"` or `"path"`), for sorting.
fn unquote_spec(spec: &str) -> &str {
    spec.split_whitespace().last().unwrap_or(spec).trim_matches(['"', '`'])
}

fn imports_c(src: &Source<'_>, decl: Node<'_>) -> bool {
    let mut found = false;
    super::go::visit_all(decl, |n| found |= n.kind() == "import_spec" && spec_path(src, n) == "C");
    found
}

/// Standard-library paths have no dot in their first element, as goimports decides.
fn is_std(path: &str) -> bool {
    !path.split('/').next().unwrap_or("").contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fix::apply_edits;
    use crate::analysis::parse;

    fn with_imports(text: &str, paths: &[&str]) -> (Vec<String>, String) {
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let (names, edits) = ensure_imports(&src, paths).expect("imports can be added");
        let out = apply_edits(text, &edits).expect("edits apply");
        assert!(!parse(&out, None).root_node().has_error(), "does not parse:\n{out}");
        (names, out)
    }

    /// Found by `tests/robustness.rs`: after `import (` the parser may recover with an import
    /// block of one byte, and slicing its inside panicked.
    #[test]
    fn broken_import_blocks_get_no_import_edit_and_no_panic() {
        for text in [
            "package fixtures\n\nimport (;ticker.Stop()\n\t\"net/http\"\n)\n\nfunc f() {}\n",
            "package a\n\nimport (",
            "package a\n\nimport (\n",
        ] {
            let tree = parse(text, None);
            let src = Source::new(text, &tree);
            if let Some((_, edits)) = ensure_imports(&src, &["io"]) {
                for e in &edits {
                    assert!(e.range.end <= text.len() && text.is_char_boundary(e.range.start), "{text:?}: {e:?}");
                }
            }
        }
    }

    #[test]
    fn imports_without_any_import() {
        let (names, out) = with_imports("package a\n\nfunc f() {}\n", &["io"]);
        assert_eq!(names, ["io"]);
        assert_eq!(out, "package a\n\nimport \"io\"\n\nfunc f() {}\n");
        let (_, out) = with_imports("package a\n\nfunc f() {}\n", &["net/http", "fmt"]);
        assert_eq!(out, "package a\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc f() {}\n");
    }

    #[test]
    fn imports_into_a_single_import() {
        let (_, out) = with_imports("package a\n\nimport \"net/http\"\n", &["io"]);
        assert_eq!(out, "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n");
        let (_, out) = with_imports("package a\n\nimport \"github.com/gin-gonic/gin\"\n", &["io", "fmt"]);
        assert_eq!(out, "package a\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n");
    }

    #[test]
    fn imports_into_a_block_in_sorted_position() {
        let text = "package a\n\nimport (\n\t\"encoding/json\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n";
        let (_, out) = with_imports(text, &["io", "fmt", "os"]);
        assert_eq!(
            out,
            "package a\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n\t\"os\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n"
        );
        // A block with only third-party packages gets a standard-library group first.
        let text = "package a\n\nimport (\n\t\"github.com/gin-gonic/gin\"\n)\n";
        let (_, out) = with_imports(text, &["io"]);
        assert_eq!(out, "package a\n\nimport (\n\t\"io\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n");
    }

    /// Packages outside the standard library join the other packages' group, as goimports and
    /// gopls keep them, never the standard library's.
    #[test]
    fn other_packages_go_into_their_own_group() {
        const ERRGROUP: &str = "golang.org/x/sync/errgroup";
        // Into the group of the first other package, in sorted position.
        let text = "package a\n\nimport (\n\t\"context\"\n\t\"sync\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n";
        let (_, out) = with_imports(text, &[ERRGROUP, "io"]);
        assert_eq!(
            out,
            "package a\n\nimport (\n\t\"context\"\n\t\"io\"\n\t\"sync\"\n\n\t\"github.com/gin-gonic/gin\"\n\t\"golang.org/x/sync/errgroup\"\n)\n"
        );
        // Into the group sharing the longest leading path, here the second of two.
        let text = "package a\n\nimport (\n\t\"github.com/gin-gonic/gin\"\n\n\t\"golang.org/x/text\"\n)\n";
        let (_, out) = with_imports(text, &[ERRGROUP]);
        assert_eq!(
            out,
            "package a\n\nimport (\n\t\"github.com/gin-gonic/gin\"\n\n\t\"golang.org/x/sync/errgroup\"\n\t\"golang.org/x/text\"\n)\n"
        );
        // A block of standard-library packages only gets a new last group, after a blank line.
        let text = "package a\n\nimport (\n\t\"context\"\n\t\"sync\"\n)\n";
        let (_, out) = with_imports(text, &["io", ERRGROUP]);
        assert_eq!(
            out,
            "package a\n\nimport (\n\t\"context\"\n\t\"io\"\n\t\"sync\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n"
        );
        // A single import becomes a block of two groups; so do new imports in a file without any.
        let (_, out) = with_imports("package a\n\nimport \"sync\"\n", &[ERRGROUP]);
        assert_eq!(out, "package a\n\nimport (\n\t\"sync\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n");
        let (_, out) = with_imports("package a\n\nfunc f() {}\n", &["io", ERRGROUP]);
        assert_eq!(out, "package a\n\nimport (\n\t\"io\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n\nfunc f() {}\n");
        let (_, out) = with_imports("package a\n\nimport ()\n", &["io", ERRGROUP]);
        assert_eq!(out, "package a\n\nimport (\n\t\"io\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n");
    }

    /// A fix that deletes the last package of the standard library's group (the errgroup fix
    /// deleting `sync`) adds errgroup as if that group were gone: no blank line is left where it was.
    #[test]
    fn imports_added_beside_a_deleted_spec_leave_no_empty_group() {
        let text = "package a\n\nimport (\n\t\"sync\"\n)\n";
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let sync = text.find("\t\"sync\"").unwrap()..text.find(")").unwrap();
        let (_, mut edits) =
            ensure_imports_after(&src, &["golang.org/x/sync/errgroup"], std::slice::from_ref(&sync)).unwrap();
        edits.push(Edit::delete(sync));
        let out = apply_edits(text, &edits).unwrap();
        assert_eq!(out, "package a\n\nimport (\n\t\"golang.org/x/sync/errgroup\"\n)\n");
        // Without the deletion, errgroup starts a group of its own after `sync`'s.
        let (_, edits) = ensure_imports(&src, &["golang.org/x/sync/errgroup"]).unwrap();
        let out = apply_edits(text, &edits).unwrap();
        assert_eq!(out, "package a\n\nimport (\n\t\"sync\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n");
    }

    #[test]
    fn imports_respect_aliases_and_clashes() {
        let text = "package a\n\nimport (\n\tgohttp \"net/http\"\n)\n";
        let (names, out) = with_imports(text, &["net/http", "io"]);
        assert_eq!(names, ["gohttp", "io"]);
        assert_eq!(out, "package a\n\nimport (\n\t\"io\"\n\tgohttp \"net/http\"\n)\n");
        // `io` already names another package: no edit rather than a clash.
        let text = "package a\n\nimport io \"example.com/my/io\"\n";
        let tree = parse(text, None);
        assert!(ensure_imports(&Source::new(text, &tree), &["io"]).is_none());
    }

    #[test]
    fn imports_keep_crlf_and_leave_cgo_alone() {
        let (_, out) = with_imports("package a\r\n\r\nimport \"fmt\"\r\n", &["io"]);
        assert_eq!(out, "package a\r\n\r\nimport (\r\n\t\"fmt\"\r\n\t\"io\"\r\n)\r\n");
        let (_, out) = with_imports("package a\n\n// #include <stdio.h>\nimport \"C\"\n", &["io"]);
        assert_eq!(out, "package a\n\n// #include <stdio.h>\nimport \"C\"\n\nimport \"io\"\n");
    }

    #[test]
    fn top_level_declarations_go_after_the_imports() {
        let text = "package a\n\nimport \"io\"\n\nconst limit = 1\n\nfunc f() {}\n";
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let at = src.root();
        assert!(declares_top_level(&src, "limit", at));
        assert!(declares_top_level(&src, "f", at));
        assert!(!declares_top_level(&src, "maxBodyBytes", at));
        let edit = add_top_level(&src, "const maxBodyBytes = 1 << 20").unwrap();
        assert_eq!(
            apply_edits(text, &[edit]).unwrap(),
            "package a\n\nimport \"io\"\n\nconst maxBodyBytes = 1 << 20\n\nconst limit = 1\n\nfunc f() {}\n"
        );
    }

    #[test]
    fn inserts_at_one_offset_merge_in_order() {
        let merged = merge_inserts(vec![Edit::insert(3, "a"), Edit::replace(0..1, "x"), Edit::insert(3, "b")]);
        assert_eq!(merged, vec![Edit::insert(3, "ab"), Edit::replace(0..1, "x")]);
    }
}
