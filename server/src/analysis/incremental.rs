//! Incremental analysis: after an edit, run the rules only on the top-level declarations whose
//! text changed, and reuse the findings of the others.
//!
//! A file is cut into its top-level items (the header of package clause and imports, then each
//! declaration). Each item's findings are cached under a hash of its text. The context covers what
//! a rule may read outside the item it reports in. The header, the settings, the file facts and
//! the workspace index generation are hashed together: when they change, everything is
//! recomputed. Declarations (function signatures, types, variables, constants) are hashed per
//! name they declare: when one changes, the items that mention one of its names are recomputed,
//! since rules look other declarations up by name.
//!
//! Architecture invariant: a rule's findings in one declaration depend only on that declaration
//! and on the context above. A rule that reads another function's body must not be cached this
//! way; the differential test below (incremental equals full analysis) guards the invariant.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::index::Index;
use super::{finish, run_rules, FileInfo, Finding, Source};
use crate::config::Config;

struct CachedItem {
    hash: u64,
    range: Range<usize>,
    findings: Vec<Finding>,
}

/// The findings of one document's items, kept between analyses.
#[derive(Default)]
pub struct Cache {
    context: u64,
    /// End of the header region; positions before it are stable while the context is.
    header_end: usize,
    items: Vec<CachedItem>,
    /// The declared names of the context, with hashes of their declarations.
    names: HashMap<String, u64>,
}

/// How much work an incremental analysis did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub items: usize,
    pub reused: usize,
}

fn hash_str(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn is_header(n: Node<'_>) -> bool {
    matches!(n.kind(), "package_clause" | "import_declaration")
}

/// The context of a file's items: a hash of what any item may depend on (the header, the settings,
/// the file facts, the index generation, and top-level items of kinds not listed below), the end
/// of the header region, and for every name a top-level declaration declares, a hash of the text
/// of the declarations that declare it (a function's signature, a type, var or const declaration).
fn context_of(src: &Source<'_>, items: &[Node<'_>], config: &Config) -> (u64, usize, HashMap<String, u64>) {
    let header_end =
        items.iter().find(|n| !is_header(**n) && n.kind() != "comment").map_or(src.text.len(), |n| n.start_byte());
    let mut h = DefaultHasher::new();
    src.text[..header_end].hash(&mut h);
    let mut names: HashMap<String, u64> = HashMap::new();
    for item in items.iter().filter(|n| n.start_byte() >= header_end) {
        match item.kind() {
            "comment" => {}
            "function_declaration"
            | "method_declaration"
            | "type_declaration"
            | "var_declaration"
            | "const_declaration" => {
                // Only the signature of a function is context; its body is the item itself.
                let end = match item.kind() {
                    "function_declaration" | "method_declaration" => {
                        item.child_by_field_name("body").map_or(item.end_byte(), |b| b.start_byte())
                    }
                    _ => item.end_byte(),
                };
                let decl = hash_str(&src.text[item.start_byte()..end]);
                for name in declared_names(src, *item) {
                    let slot = names.entry(name.to_string()).or_insert(0);
                    *slot = slot.wrapping_add(decl);
                }
            }
            _ => src.text_of(*item).hash(&mut h),
        }
    }
    // Settings have no Hash; their debug form is stable for a given value.
    format!("{config:?}").hash(&mut h);
    src.file.hash(&mut h);
    src.index.generation().hash(&mut h);
    (h.finish(), header_end, names)
}

/// The names a top-level declaration declares, as other declarations look them up: a function's
/// name; a method's name and its receiver's type name (rules ask which methods a type has); the
/// names of types with their fields and interface methods; the names of variables and constants.
fn declared_names<'a>(src: &Source<'a>, item: Node<'_>) -> Vec<&'a str> {
    let mut out = Vec::new();
    match item.kind() {
        "function_declaration" | "method_declaration" => {
            out.extend(item.child_by_field_name("name").map(|n| src.text_of(n)));
            if let Some(recv) = item.child_by_field_name("receiver") {
                super::go::visit_all(recv, |n| {
                    if n.kind() == "type_identifier" {
                        out.push(src.text_of(n));
                    }
                });
            }
        }
        _ => super::go::visit_all(item, |n| {
            let declares = match n.kind() {
                "field_identifier" => {
                    n.parent().is_some_and(|p| matches!(p.kind(), "field_declaration" | "method_elem" | "method_spec"))
                }
                "type_identifier" => n.parent().is_some_and(|p| matches!(p.kind(), "type_spec" | "type_alias")),
                "identifier" => n.parent().is_some_and(|p| matches!(p.kind(), "var_spec" | "const_spec")),
                _ => false,
            };
            if declares {
                out.push(src.text_of(n));
            }
        }),
    }
    out
}

/// The names whose declarations differ between two contexts (added, removed or changed).
fn changed_names<'m>(old: &'m HashMap<String, u64>, new: &'m HashMap<String, u64>) -> Vec<&'m str> {
    let mut out: Vec<&str> = old.iter().filter(|(k, v)| new.get(*k) != Some(v)).map(|(k, _)| k.as_str()).collect();
    out.extend(new.keys().filter(|k| !old.contains_key(*k)).map(String::as_str));
    out
}

/// Whether `text` holds `name` as a whole identifier.
fn mentions(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
    !name.is_empty()
        && text.match_indices(name).any(|(at, _)| {
            let end = at + name.len();
            let glued_before = at > 0 && ident(bytes[at - 1]);
            let glued_after = bytes.get(end).is_some_and(|&b| ident(b));
            !glued_before && !glued_after
        })
}

/// Moves every range of a cached finding from the item's old place to its new one. `None` when a
/// range lies outside both the item and the stable header, which only a fresh run can place.
fn remap(f: &Finding, old: &Range<usize>, new_start: usize, header_end: usize) -> Option<Finding> {
    let map = |r: &Range<usize>| -> Option<Range<usize>> {
        if r.start >= old.start && r.end <= old.end {
            Some(r.start - old.start + new_start..r.end - old.start + new_start)
        } else if r.end <= header_end {
            Some(r.clone())
        } else {
            None
        }
    };
    let mut out = f.clone();
    out.range = map(&f.range)?;
    for (r, o) in out.related.iter_mut().zip(&f.related) {
        r.range = map(&o.range)?;
    }
    for (fix, ofix) in out.fixes.iter_mut().zip(&f.fixes) {
        for (e, oe) in fix.edits.iter_mut().zip(&ofix.edits) {
            e.range = map(&oe.range)?;
        }
    }
    Some(out)
}

/// Analyses `text` like [`super::analyze_file`], reusing `cache` from the previous version of the
/// same document, and leaves the cache ready for the next one.
pub fn analyze_incremental(
    text: &str,
    tree: &Tree,
    config: &Config,
    file: &FileInfo,
    index: &Index,
    cache: &mut Cache,
) -> (Vec<Finding>, Stats) {
    let mut src = Source::new(text, tree).with_context(file, index);
    let root = tree.root_node();
    let mut cursor = root.walk();
    let items: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
    let (context, header_end, names) = context_of(&src, &items, config);
    if context != cache.context || header_end != cache.header_end {
        cache.items.clear();
    }
    // A changed declaration makes stale the findings of every item that mentions a name it
    // declares (or declared): rules look other declarations up by name.
    let changed = changed_names(&cache.names, &names);
    let mut old: Vec<Option<CachedItem>> = std::mem::take(&mut cache.items).into_iter().map(Some).collect();
    let mut next_old = 0;
    let mut new_items: Vec<CachedItem> = Vec::with_capacity(items.len());
    let mut dirty = Vec::new();
    let mut stats = Stats { items: items.len(), reused: 0 };
    for (i, item) in items.iter().enumerate() {
        let range = item.byte_range();
        let hash = hash_str(&text[range.clone()]);
        // Items keep their order, so search forward from the last match first.
        let found = (next_old..old.len()).chain(0..next_old).find(|&j| old[j].as_ref().is_some_and(|c| c.hash == hash));
        let reused = found.and_then(|j| {
            let c = old[j].take()?;
            if changed.iter().any(|n| mentions(&text[range.clone()], n)) {
                return None;
            }
            next_old = j + 1;
            c.findings.iter().map(|f| remap(f, &c.range, range.start, header_end)).collect::<Option<Vec<_>>>()
        });
        match reused {
            Some(findings) => {
                stats.reused += 1;
                new_items.push(CachedItem { hash, range, findings });
            }
            None => {
                dirty.push(i);
                new_items.push(CachedItem { hash, range, findings: Vec::new() });
            }
        }
    }
    let mut complete = true;
    if dirty.len() * 8 > items.len() {
        // Much of the file changed (or this is the first analysis): one full run, then sort the
        // findings into their items. Each focused run repeats the rules' per-file work, so beyond
        // an eighth of the items one run over everything is cheaper.
        src.prepare_matches();
        for f in run_rules(&src, config) {
            let at = new_items.partition_point(|c| c.range.start <= f.range.start);
            match at.checked_sub(1).map(|k| &mut new_items[k]) {
                Some(c) if f.range.start < c.range.end || (f.range.start == c.range.end && c.range.is_empty()) => {
                    c.findings.push(f)
                }
                // A finding outside every item cannot be cached; the next run starts afresh.
                _ => complete = false,
            }
        }
        if !complete {
            let all = run_rules(&src, config);
            cache.items.clear();
            cache.context = 0;
            return (finish(&src, all), Stats { items: items.len(), reused: 0 });
        }
    } else {
        for &i in &dirty {
            let range = new_items[i].range.clone();
            src.set_focus(Some(range.clone()));
            let found = run_rules(&src, config);
            new_items[i].findings = found.into_iter().filter(|f| range.contains(&f.range.start)).collect();
        }
        src.clear_focus();
    }
    let findings = new_items.iter().flat_map(|c| c.findings.iter().cloned()).collect();
    cache.context = context;
    cache.header_end = header_end;
    cache.items = new_items;
    cache.names = names;
    (finish(&src, findings), stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze_file, parse};

    fn fixtures() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/rules");
        let mut out = Vec::new();
        for dir in std::fs::read_dir(root).unwrap() {
            for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let p = f.unwrap().path();
                if p.extension().is_some_and(|x| x == "go") {
                    out.push(std::fs::read_to_string(p).unwrap());
                }
            }
        }
        out
    }

    /// A deterministic stand-in for typing: deletes or inserts one character at spread positions.
    fn edits(text: &str, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = text.to_string();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..n {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut at = (seed >> 33) as usize % cur.len().max(1);
            while !cur.is_char_boundary(at) {
                at -= 1;
            }
            if seed & 1 == 0 && at < cur.len() {
                let len = cur[at..].chars().next().map_or(0, char::len_utf8);
                cur.replace_range(at..at + len, "");
            } else {
                cur.insert(at, ['x', '\n', '}', '(', ' ', '"'][(seed >> 8) as usize % 6]);
            }
            out.push(cur.clone());
        }
        out
    }

    #[test]
    fn incremental_findings_equal_a_full_analysis_through_random_edits() {
        let config = Config::default();
        let file = FileInfo::default();
        let index = Index::default();
        let mut total_reused = 0;
        for text in fixtures() {
            let mut cache = Cache::default();
            for version in std::iter::once(text.clone()).chain(edits(&text, 12)) {
                let tree = parse(&version, None);
                let (inc, stats) = analyze_incremental(&version, &tree, &config, &file, &index, &mut cache);
                total_reused += stats.reused;
                let full = analyze_file(&version, &tree, &config, &file, &index);
                assert_eq!(inc, full, "incremental and full analysis differ after an edit:\n{version}");
            }
        }
        assert!(total_reused > 0, "the cache was never used");
    }

    /// Edits of declarations only (inside function signatures, type, var and const declarations),
    /// each followed by its undo: the findings of the items that mention a changed name are
    /// recomputed, and incremental analysis must still equal a full one.
    #[test]
    fn declaration_edits_recompute_the_items_that_mention_them() {
        let config = Config::default();
        let file = FileInfo::default();
        let index = Index::default();
        let mut edits_run = 0;
        let mut reused = 0;
        for text in fixtures() {
            let tree = parse(&text, None);
            let root = tree.root_node();
            let mut cursor = root.walk();
            // Offsets just after an identifier character inside a declaration's declaring text.
            let mut spots = Vec::new();
            for item in root.named_children(&mut cursor) {
                let end = match item.kind() {
                    "function_declaration" | "method_declaration" => {
                        item.child_by_field_name("body").map_or(item.end_byte(), |b| b.start_byte())
                    }
                    "type_declaration" | "var_declaration" | "const_declaration" => item.end_byte(),
                    _ => continue,
                };
                let b = text.as_bytes();
                spots.extend((item.start_byte() + 1..end).filter(|&i| b[i - 1].is_ascii_alphanumeric()).step_by(7));
            }
            let mut cache = Cache::default();
            let first = parse(&text, None);
            analyze_incremental(&text, &first, &config, &file, &index, &mut cache);
            for &at in spots.iter().step_by((spots.len() / 6).max(1)) {
                let mut edited = text.clone();
                edited.insert(at, 'x');
                for version in [&edited, &text] {
                    let tree = parse(version, None);
                    let (inc, stats) = analyze_incremental(version, &tree, &config, &file, &index, &mut cache);
                    let full = analyze_file(version, &tree, &config, &file, &index);
                    assert_eq!(inc, full, "incremental and full analysis differ after a declaration edit:\n{version}");
                    edits_run += 1;
                    reused += stats.reused;
                }
            }
        }
        assert!(edits_run > 100, "only {edits_run} declaration edits");
        assert!(reused > 0, "some items are reused after a declaration edit");
    }

    #[test]
    fn an_edit_inside_one_function_reuses_the_others() {
        let text = "package a\n\nimport \"github.com/gin-gonic/gin\"\n\n\
            func A(c *gin.Context) { c.Next(); c.Next() }\n\nfunc B(c *gin.Context) { c.Next() }\n";
        let config = Config::default();
        let mut cache = Cache::default();
        let tree = parse(text, None);
        let (first, _) = analyze_incremental(text, &tree, &config, &FileInfo::default(), &Index::default(), &mut cache);
        assert_eq!(first.len(), 1);
        let edited = text.replace("{ c.Next() }", "{ c.Next(); c.Next() }");
        let tree = parse(&edited, None);
        let (second, stats) =
            analyze_incremental(&edited, &tree, &config, &FileInfo::default(), &Index::default(), &mut cache);
        assert_eq!(second.len(), 2);
        assert_eq!(stats.reused, stats.items - 1, "only the edited function is analysed again");
    }
}
