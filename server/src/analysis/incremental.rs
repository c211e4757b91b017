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
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::index::{recording, FuncDecl, Index, Lookup};
use super::{finish, run_rules, FileInfo, Finding, Source};
use crate::config::Config;

struct CachedItem {
    hash: u64,
    range: Range<usize>,
    findings: Vec<Finding>,
    /// The names the item's rules looked up in the index (for a full run, the methods the whole
    /// run asked about, shared by every item).
    looked_up: Arc<Vec<String>>,
}

/// What a declaration item contributes to the context, and its index declarations: both depend
/// only on its kind and text, so they are kept per item between analyses and extracted again only
/// for items that changed.
struct Shape {
    /// Each name the item declares, with a hash of the text that declares it.
    names: Vec<(String, u64)>,
    /// The item's index declarations (without the package, which is the header's).
    decls: Option<Vec<FuncDecl>>,
    /// [`digest`] of `names`.
    digest: u64,
}

impl Shape {
    fn new(src: &Source<'_>, item: Node<'_>) -> Shape {
        let names: Vec<(String, u64)> =
            declared_names(src, item).into_iter().map(|(n, h)| (n.to_string(), h)).collect();
        let digest = digest(names.iter().map(|(n, h)| (n.as_str(), *h)));
        Shape { names, decls: None, digest }
    }
}

/// An order-independent digest of name contributions, so that a keystroke that changes no
/// declared name (most of them) can tell so without building the map of the file's names, which
/// allocates every name (about a tenth of a millisecond on the bench's 5,000-line file).
fn digest<'n>(names: impl Iterator<Item = (&'n str, u64)>) -> u64 {
    names.fold(0u64, |sum, (name, hash)| {
        let mut h = hash_str(name) ^ hash.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        sum.wrapping_add(h ^ (h >> 31))
    })
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
    /// [`digest`] of every contribution to `names`.
    names_digest: u64,
    /// The shapes of the current declaration items, by kind and text hash.
    shapes: HashMap<(u16, u64), Shape>,
    /// The package the cached declarations were extracted with.
    package: String,
}

/// How big a cache is, for the server's memory report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheSize {
    pub items: usize,
    pub findings: usize,
    /// An estimate of the heap bytes the cache holds.
    pub bytes: usize,
}

impl Cache {
    /// Counts what the cache holds. The byte figure estimates the heap: the items, findings with
    /// their strings, names and shapes.
    pub fn size(&self) -> CacheSize {
        let finding = |f: &Finding| {
            std::mem::size_of::<Finding>()
                + f.message.len()
                + f.related.iter().map(|r| std::mem::size_of_val(r) + r.message.len()).sum::<usize>()
                + f.fixes
                    .iter()
                    .map(|x| {
                        std::mem::size_of_val(x)
                            + x.title.len()
                            + x.edits.iter().map(|e| std::mem::size_of_val(e) + e.new_text.len()).sum::<usize>()
                    })
                    .sum::<usize>()
        };
        let findings: usize = self.items.iter().map(|c| c.findings.len()).sum();
        let items: usize = self
            .items
            .iter()
            .map(|c| std::mem::size_of::<CachedItem>() + c.findings.iter().map(finding).sum::<usize>())
            .sum();
        let names: usize = self.names.keys().map(|k| k.len() + 32).sum();
        let decl = |d: &FuncDecl| {
            std::mem::size_of::<FuncDecl>()
                + d.name.len()
                + d.receiver.as_ref().map_or(0, |r| r.len())
                + d.params().iter().chain(d.types()).chain(d.results()).map(|p| p.len() + 24).sum::<usize>()
        };
        let shapes: usize = self
            .shapes
            .values()
            .map(|s| {
                std::mem::size_of::<Shape>()
                    + 16
                    + s.names.iter().map(|(n, _)| n.len() + 32).sum::<usize>()
                    + s.decls.iter().flatten().map(decl).sum::<usize>()
            })
            .sum();
        CacheSize { items: self.items.len(), findings, bytes: std::mem::size_of::<Cache>() + items + names + shapes }
    }
}

/// How much work an incremental analysis did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub items: usize,
    pub reused: usize,
}

/// A hash of an item's text. Every keystroke hashes every item, so this takes a word at a time
/// with one multiplication: SipHash (`DefaultHasher`) cost a tenth of a millisecond on a
/// 5,000-line file, twice per keystroke. Each step is a bijection of the state for a given word and of the
/// word for a given state, so two texts of one length that differ in a single word never collide,
/// which is the common case of an edit that replaces a character.
fn hash_str(s: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let step = |h: u64, w: u64| (h.rotate_left(23) ^ w).wrapping_mul(K);
    let bytes = s.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(K) ^ 0x2545_F491_4F6C_DD1D;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = step(h, u64::from_le_bytes(w.try_into().unwrap_or_default()));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = step(h, u64::from_le_bytes(last));
    }
    // A final mix (from SplitMix64), so every bit of the last word reaches every bit of the hash.
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

fn is_header(n: Node<'_>) -> bool {
    matches!(n.kind(), "package_clause" | "import_declaration")
}

fn is_declaration(n: Node<'_>) -> bool {
    matches!(
        n.kind(),
        "function_declaration" | "method_declaration" | "type_declaration" | "var_declaration" | "const_declaration"
    )
}

/// The context of a file's items: a hash of what any item may depend on (the header, the settings,
/// the file facts, the index generation without this file's own changes, and imports out of place),
/// the end of the header region, and for every name a top-level item declares, a hash of the
/// text that declares it (see [`declared_names`]), with the [`digest`] of those: the map is
/// `None` when the digest equals `old_digest`, the names are then those of the last call. The
/// declarations' shapes come from `old` when their text did not change and are moved to `shapes`.
#[allow(clippy::too_many_arguments)]
fn context_of(
    src: &Source<'_>,
    items: &[Node<'_>],
    hashes: &[u64],
    config: &Config,
    own_key: Option<&str>,
    old: &mut HashMap<(u16, u64), Shape>,
    shapes: &mut HashMap<(u16, u64), Shape>,
    old_digest: u64,
) -> (u64, usize, Option<HashMap<String, u64>>, u64) {
    let header_end =
        items.iter().find(|n| !is_header(**n) && n.kind() != "comment").map_or(src.text.len(), |n| n.start_byte());
    let mut h = DefaultHasher::new();
    src.text[..header_end].hash(&mut h);
    // The contributions, as the key of a declaration's shape or the names of another item with
    // that item's hash; the map is built from them only when their digest changed.
    let mut keys: Vec<(u16, u64)> = Vec::new();
    let mut loose: Vec<(&str, u64)> = Vec::new();
    let mut sum = 0u64;
    for (item, &hash) in items.iter().zip(hashes).filter(|(n, _)| n.start_byte() >= header_end) {
        if item.kind() == "comment" {
            continue;
        }
        if is_header(*item) {
            // An import out of place still counts: `Source` reads imports from every top-level
            // import declaration.
            src.text_of(*item).hash(&mut h);
            continue;
        }
        if !is_declaration(*item) {
            // Anything else (an ERROR node of half-typed code, a stray statement) declares the
            // constants and struct fields found in it, each with the hash of the whole item:
            // conservative, and it keeps a syntax error in one place from re-running the whole
            // file. Its variables, types and interface methods are read by no rule outside the
            // item (see [`declared_names`]).
            let start = loose.len();
            declarers(*item, |name, declarer| {
                if matches!(declarer.kind(), "field_declaration" | "const_spec") {
                    loose.push((src.text_of(name), hash));
                }
            });
            sum = sum.wrapping_add(digest(loose[start..].iter().copied()));
            continue;
        }
        let key = (item.kind_id(), hash);
        let shape = match old.remove(&key).or_else(|| shapes.remove(&key)) {
            Some(shape) => shape,
            None => Shape::new(src, *item),
        };
        sum = sum.wrapping_add(shape.digest);
        keys.push(key);
        shapes.insert(key, shape);
    }
    let names = (sum != old_digest).then(|| {
        let mut names: HashMap<String, u64> = HashMap::new();
        let mut add = |name: &str, hash: u64| match names.get_mut(name) {
            Some(slot) => *slot = slot.wrapping_add(hash),
            None => {
                names.insert(name.to_string(), hash);
            }
        };
        for &(name, hash) in &loose {
            add(name, hash);
        }
        for shape in keys.iter().filter_map(|k| shapes.get(k)) {
            for (name, hash) in &shape.names {
                add(name, *hash);
            }
        }
        names
    });
    // Settings have no Hash; their debug form is stable for a given value.
    format!("{config:?}").hash(&mut h);
    src.file.hash(&mut h);
    match own_key {
        Some(key) => src.index.generation_except(key).hash(&mut h),
        None => src.index.generation().hash(&mut h),
    }
    (h.finish(), header_end, names, sum)
}

/// The names a top-level item declares, as other declarations look them up, each with a hash of
/// the text that declares it: a function's or method's name with its signature; a type's name with
/// its spec, and its fields and interface methods each with their own line, so editing one field
/// re-runs only the items that mention that field or the type; the names of variables and
/// constants with their whole declaration (a constant's value may come from the spec before it,
/// through `iota`).
///
/// A method does not declare its receiver's type name. Rules learn which methods a type has only
/// from the index (`Index::methods`, whose questions the cache records with the method's name) or,
/// in costly-log-field, by a method name they asked the index about first; either way the method's
/// own name changes with it. Counting the receiver made a method whose `func` line is half typed
/// re-run every item that mentions its type, about every method of it.
///
/// Half-typed code (an item that is not a declaration, see [`context_of`]) declares only what rules
/// read from there: no rule looks up its variables, types or interface methods from another item
/// (`Source`'s file variables, the index, and the type, constant and top-level name look-ups read
/// declaration items only), so a broken function does not seem to declare its locals (`result`,
/// `err`) for the whole file. Its constants count, since unbounded-goroutines' constant test
/// searches the whole file, and so do its struct fields, which `Source::field_types` finds
/// anywhere in the text.
fn declared_names<'a>(src: &Source<'a>, item: Node<'_>) -> Vec<(&'a str, u64)> {
    let mut out = Vec::new();
    match item.kind() {
        "function_declaration" | "method_declaration" => {
            // Only the signature of a function is context; its body is the item itself.
            let end = item.child_by_field_name("body").map_or(item.end_byte(), |b| b.start_byte());
            let sig = hash_str(&src.text[item.start_byte()..end]);
            out.extend(item.child_by_field_name("name").map(|n| (src.text_of(n), sig)));
        }
        "var_declaration" | "const_declaration" => {
            let whole = hash_str(src.text_of(item));
            super::go::visit_all(item, |n| {
                if n.kind() == "identifier" && n.parent().is_some_and(|p| matches!(p.kind(), "var_spec" | "const_spec"))
                {
                    out.push((src.text_of(n), whole));
                }
            });
        }
        _ => declarers(item, |n, declarer| out.push((src.text_of(n), hash_str(src.text_of(declarer))))),
    }
    out
}

/// Calls `f` with each name that a type declaration or half-typed code (`item`) declares and the
/// node that declares it: fields, interface methods, types, variables and constants. Outside a
/// type declaration the caller hashes the item's whole text; the declarer's text is enough inside
/// one.
fn declarers<'t>(item: Node<'t>, mut f: impl FnMut(Node<'t>, Node<'t>)) {
    super::go::visit_all(item, |n| {
        let declarer = match n.kind() {
            "field_identifier" => {
                n.parent().filter(|p| matches!(p.kind(), "field_declaration" | "method_elem" | "method_spec"))
            }
            "type_identifier" => n.parent().filter(|p| matches!(p.kind(), "type_spec" | "type_alias")),
            "identifier" => n.parent().filter(|p| matches!(p.kind(), "var_spec" | "const_spec")),
            _ => None,
        };
        if let Some(declarer) = declarer {
            f(n, declarer);
        }
    });
}

/// The file's index declarations (like [`super::index::declarations`]), extracting only those of
/// items whose text changed since the last call with this cache.
pub fn declarations(src: &Source<'_>, cache: &mut Cache) -> Vec<FuncDecl> {
    declarations_unless(src, cache, None).unwrap_or_default()
}

/// Like [`declarations`], but `None` when they equal `current` (what the index holds for the file),
/// without copying them: most keystrokes change no declaration, and copying every declaration of
/// the file cost about 60 microseconds per keystroke on the bench's 5,000-line file.
pub fn declarations_unless(src: &Source<'_>, cache: &mut Cache, current: Option<&[FuncDecl]>) -> Option<Vec<FuncDecl>> {
    let package = super::index::package_name(src);
    if package != cache.package {
        cache.shapes.clear();
        cache.package = package;
    }
    let root = src.root();
    let mut cursor = root.walk();
    let mut keys = Vec::new();
    for item in root.named_children(&mut cursor) {
        if !matches!(item.kind(), "function_declaration" | "method_declaration" | "type_declaration") {
            continue;
        }
        let key = (item.kind_id(), hash_str(src.text_of(item)));
        let shape = cache.shapes.entry(key).or_insert_with(|| Shape::new(src, item));
        shape.decls.get_or_insert_with(|| {
            let mut d = Vec::new();
            super::index::item_declarations(src, item, &cache.package, &mut d);
            d
        });
        keys.push(key);
    }
    let all = || keys.iter().filter_map(|k| cache.shapes.get(k)).flat_map(|s| s.decls.iter().flatten());
    if current.is_some_and(|c| c.iter().eq(all())) {
        return None;
    }
    Some(all().cloned().collect())
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

/// The declared names an index question depends on: its name, and a method's receiver type.
fn names_of(l: &Lookup) -> Vec<String> {
    match l {
        Lookup::Method { name, receiver } => vec![name.clone(), receiver.clone()],
        _ => vec![l.name().to_string()],
    }
}

/// The dirty items (indices into `items`, ascending) as runs of neighbouring items to analyse
/// together. Two runs with at most two clean items between them become one, the clean ones
/// analysed again with them: that costs less than a second focused run.
fn groups(dirty: &[usize]) -> Vec<Range<usize>> {
    const GAP: usize = 2;
    let mut out: Vec<Range<usize>> = Vec::new();
    for &i in dirty {
        match out.last_mut() {
            Some(g) if i <= g.end + GAP => g.end = i + 1,
            _ => out.push(i..i + 1),
        }
    }
    out
}

/// Analyses `text` like [`super::analyze_file`], reusing `cache` from the previous version of the
/// same document, and leaves the cache ready for the next one. `own_key` is the document's key in
/// `index`, whose own declarations the cache follows by name rather than by the index generation.
pub fn analyze_incremental(
    text: &str,
    tree: &Tree,
    config: &Config,
    file: &FileInfo,
    index: &Index,
    own_key: Option<&str>,
    cache: &mut Cache,
) -> (Vec<Finding>, Stats) {
    analyze_source(Source::new(text, tree).with_context(file, index), config, own_key, cache)
}

/// Like [`analyze_incremental`], for a caller that has made the `Source` already (with the file's
/// facts and the index): making one walks every top-level item for the imports.
pub fn analyze_source(
    mut src: Source<'_>,
    config: &Config,
    own_key: Option<&str>,
    cache: &mut Cache,
) -> (Vec<Finding>, Stats) {
    let (text, tree) = (src.text, src.tree);
    let root = tree.root_node();
    let mut cursor = root.walk();
    let items: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
    let hashes: Vec<u64> = items.iter().map(|n| hash_str(&text[n.byte_range()])).collect();
    let mut old_shapes = std::mem::take(&mut cache.shapes);
    let (context, header_end, names, names_digest) =
        context_of(&src, &items, &hashes, config, own_key, &mut old_shapes, &mut cache.shapes, cache.names_digest);
    drop(old_shapes);
    if context != cache.context || header_end != cache.header_end {
        cache.items.clear();
    }
    // A changed declaration makes stale the findings of every item that mentions a name it
    // declares (or declared), or whose rules looked that name up in the index: rules look other
    // declarations up by name.
    let changed = names.as_ref().map_or_else(Vec::new, |names| changed_names(&cache.names, names));
    let mut old: Vec<Option<CachedItem>> = std::mem::take(&mut cache.items).into_iter().map(Some).collect();
    let mut next_old = 0;
    let mut new_items: Vec<CachedItem> = Vec::with_capacity(items.len());
    let mut dirty = Vec::new();
    let mut stats = Stats { items: items.len(), reused: 0 };
    let none: Arc<Vec<String>> = Arc::default();
    for (i, item) in items.iter().enumerate() {
        let range = item.byte_range();
        let hash = hashes[i];
        // Items keep their order, so search forward from the last match first.
        let found = (next_old..old.len()).chain(0..next_old).find(|&j| old[j].as_ref().is_some_and(|c| c.hash == hash));
        let reused = found.and_then(|j| {
            let c = old[j].take()?;
            if changed.iter().any(|n| c.looked_up.iter().any(|l| l == n) || mentions(&text[range.clone()], n)) {
                return None;
            }
            next_old = j + 1;
            let findings =
                c.findings.iter().map(|f| remap(f, &c.range, range.start, header_end)).collect::<Option<Vec<_>>>()?;
            Some((findings, c.looked_up))
        });
        match reused {
            Some((findings, looked_up)) => {
                stats.reused += 1;
                new_items.push(CachedItem { hash, range, findings, looked_up });
            }
            None => {
                dirty.push(i);
                new_items.push(CachedItem { hash, range, findings: Vec::new(), looked_up: none.clone() });
            }
        }
    }
    let mut complete = true;
    let groups = groups(&dirty);
    let focused: usize = groups.iter().map(|g| new_items[g.end - 1].range.end - new_items[g.start].range.start).sum();
    if dirty.len() == items.len() || focused * 4 > text.len() * 3 {
        // Most of the file changed (or this is the first analysis): one full run, then sort the
        // findings into their items. Below three quarters of the text, focused runs cost less:
        // on the bench's 5,000-line file of 329 items a full run takes about 130 ms and a focused
        // run about 0.5 ms plus its share of the walk. The run's look-ups cannot be
        // told apart by item, so every item is charged with all of them.
        src.prepare_matches();
        let (found, looked_up) = recording(|| run_rules(&src, config));
        // A question about a callee is about a name its call mentions, which the check by mention
        // covers; a question whether a type has a method (`String`, asked by costly-log-field)
        // names what the rule chose, and could come from any item.
        let looked_up: Arc<Vec<String>> = Arc::new(
            looked_up
                .iter()
                .filter(|l| matches!(l, Lookup::Method { .. } | Lookup::AnyMethod(_)))
                .flat_map(names_of)
                .collect(),
        );
        for c in &mut new_items {
            c.looked_up = looked_up.clone();
            // The run finds the reused items' findings again; keeping the old ones too would
            // double them with every full run (the output is deduplicated, the cache was not).
            c.findings.clear();
        }
        for f in found {
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
        // One focused run per group of neighbouring dirty items: a syntax error splits a function
        // into several top-level items, and a focused run costs its per-file work (about half a
        // millisecond on the bench's file) however little it covers. A group's look-ups cannot be
        // told apart by item, so each of its items is charged with all of them.
        stats.reused -= groups.iter().map(|g| g.len()).sum::<usize>() - dirty.len();
        for g in groups {
            let range = new_items[g.start].range.start..new_items[g.end - 1].range.end;
            src.set_focus(Some(range));
            let (found, looked_up) = recording(|| run_rules(&src, config));
            let looked_up: Arc<Vec<String>> = Arc::new(looked_up.iter().flat_map(names_of).collect());
            let members = &mut new_items[g];
            for c in members.iter_mut() {
                c.findings.clear();
                c.looked_up = looked_up.clone();
            }
            for f in found {
                // As for a single item, a finding outside every item of the run is not its own.
                let at = members.partition_point(|c| c.range.start <= f.range.start);
                if let Some(c) = at.checked_sub(1).map(|k| &mut members[k]).filter(|c| c.range.contains(&f.range.start))
                {
                    c.findings.push(f);
                }
            }
        }
        src.clear_focus();
    }
    let findings = new_items.iter().flat_map(|c| c.findings.iter().cloned()).collect();
    cache.context = context;
    cache.header_end = header_end;
    cache.items = new_items;
    if let Some(names) = names {
        cache.names = names;
        cache.names_digest = names_digest;
    }
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

    /// An index as the server keeps it: every fixture's declarations under its own key, so the
    /// index rules find callees and methods, and the analysed document's own under `SELF`.
    fn workspace_index(texts: &[String]) -> Index {
        let mut index = Index::default();
        for (i, t) in texts.iter().enumerate() {
            index
                .set_file(&format!("other{i}.go"), super::super::index::declarations(&Source::new(t, &parse(t, None))));
        }
        index
    }

    const SELF: &str = "self.go";

    /// Analyses one version as the server does: the document's declarations go into the index
    /// (through the cache), then the incremental analysis runs; returns it with a full analysis
    /// over the same index.
    fn both(version: &str, index: &mut Index, cache: &mut Cache) -> (Vec<Finding>, Vec<Finding>, Stats) {
        let config = Config::default();
        let file = FileInfo::default();
        let tree = parse(version, None);
        let decls = declarations(&Source::new(version, &tree), cache);
        assert_eq!(decls, super::super::index::declarations(&Source::new(version, &tree)), "cached declarations");
        index.set_file(SELF, decls);
        let (inc, stats) = analyze_incremental(version, &tree, &config, &file, index, Some(SELF), cache);
        let full = analyze_file(version, &tree, &config, &file, index);
        (inc, full, stats)
    }

    #[test]
    fn incremental_findings_equal_a_full_analysis_through_random_edits() {
        let texts = fixtures();
        let mut index = workspace_index(&texts);
        let mut total_reused = 0;
        for text in &texts {
            let mut cache = Cache::default();
            for version in std::iter::once(text.clone()).chain(edits(text, 12)) {
                let (inc, full, stats) = both(&version, &mut index, &mut cache);
                total_reused += stats.reused;
                assert_eq!(inc, full, "incremental and full analysis differ after an edit:\n{version}");
            }
            index.remove_file(SELF);
        }
        assert!(total_reused > 0, "the cache was never used");
    }

    /// Edits of declarations only (inside function signatures, type, var and const declarations),
    /// each followed by its undo: the findings of the items that mention a changed name are
    /// recomputed, and incremental analysis must still equal a full one.
    #[test]
    fn declaration_edits_recompute_the_items_that_mention_them() {
        let texts = fixtures();
        let mut index = workspace_index(&texts);
        let mut edits_run = 0;
        let mut reused = 0;
        for text in &texts {
            let tree = parse(text, None);
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
            both(text, &mut index, &mut cache);
            for &at in spots.iter().step_by((spots.len() / 6).max(1)) {
                let mut edited = text.clone();
                edited.insert(at, 'x');
                for version in [&edited, text] {
                    let (inc, full, stats) = both(version, &mut index, &mut cache);
                    assert_eq!(inc, full, "incremental and full analysis differ after a declaration edit:\n{version}");
                    edits_run += 1;
                    reused += stats.reused;
                }
            }
            index.remove_file(SELF);
        }
        assert!(edits_run > 100, "only {edits_run} declaration edits");
        assert!(reused > 0, "some items are reused after a declaration edit");
    }

    /// A signature edit in a file of many functions re-runs the functions that mention the name,
    /// not the whole file, although it changes the file's declarations in the index; a syntax
    /// error in one function re-runs little more than that function.
    #[test]
    fn signature_edits_and_syntax_errors_stay_local() {
        let mut text = String::from("package a\n\nimport \"net/http\"\n\n");
        for i in 0..40 {
            text.push_str(&format!(
                "func Get{i}(c *http.Client, url string) error {{\n\tresp, err := c.Get(url)\n\tif err != nil {{\n\t\treturn err\n\t}}\n\tprintln(resp.StatusCode)\n\treturn nil\n}}\n\n"
            ));
        }
        text.push_str("func Use() { _ = Get7(nil, \"\") }\n");
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let (first, full, _) = both(&text, &mut index, &mut cache);
        assert_eq!(first, full);
        assert!(!first.is_empty(), "the fixture has findings to reuse");
        let renamed = text.replace("func Get7(c *http.Client, url string)", "func Get7(c *http.Client, urls string)");
        let (inc, full, stats) = both(&renamed, &mut index, &mut cache);
        assert_eq!(inc, full);
        assert_eq!(stats.items - stats.reused, 2, "Get7 and its caller Use run again");
        let broken = renamed.replacen("\tresp, err := c.Get(url)\n\tif err", "\tresp, err := c.Get(url)\n\tiqf err", 1);
        let (inc, full, stats) = both(&broken, &mut index, &mut cache);
        assert_eq!(inc, full);
        assert!(stats.items - stats.reused <= 4, "{stats:?}: a syntax error re-ran more than its surroundings");
    }

    /// A file of many methods on one type, each with a `switch`, for edits that break the syntax
    /// inside one of them.
    fn switch_methods(n: usize) -> String {
        let mut text = String::from(
            "package a\n\nimport (\n\t\"errors\"\n\t\"net/http\"\n)\n\nvar ErrConflict = errors.New(\"conflict\")\n\n\
             type API struct{ c *http.Client }\n",
        );
        for i in 0..n {
            text.push_str(&format!(
                "\n// Get{i} fetches.\nfunc (h *API) Get{i}(url string) error {{\n\tresp, err := h.c.Get(url)\n\
                 \tif err != nil {{\n\t\treturn err\n\t}}\n\tswitch {{\n\tcase errors.Is(err, ErrConflict):\n\
                 \t\treturn err\n\tcase resp.StatusCode != http.StatusOK:\n\t\treturn errors.New(\"status\")\n\t}}\n\
                 \treturn nil\n}}\n"
            ));
        }
        text
    }

    /// Edits that break the syntax inside one method (tree-sitter then splits it, and sometimes
    /// its neighbours, into several top-level items) and repair it again, one character at a
    /// time: at every step the incremental findings equal a full analysis, and the broken steps
    /// re-run the neighbouring dirty items together without a run over the whole file.
    #[test]
    fn breaking_and_repairing_a_method_stays_exact_and_local() {
        let text = switch_methods(40);
        let at = |needle: &str| text.find("Get20(").and_then(|m| text[m..].find(needle).map(|i| m + i)).unwrap();
        let case = at("case errors") + 1;
        let colon = at("ErrConflict):") + "ErrConflict)".len();
        let func = text[..at("Get20(")].rfind("func").unwrap() + 1;
        let close = at("\t}\n\treturn nil") + 1;
        // Each step: (byte, bytes removed, text inserted), applied to the previous version.
        let steps: &[(usize, usize, &str)] = &[
            (case, 0, "q"),
            (colon + 1, 1, ""),
            (colon + 1, 0, ":"),
            (case, 1, ""),
            (func, 0, "q"),
            (func, 1, ""),
            (close, 1, ""),
            (close, 0, "}"),
        ];
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let (first, full, _) = both(&text, &mut index, &mut cache);
        assert_eq!(first, full);
        assert!(first.len() >= 40, "every method leaves its body open");
        let mut version = text.clone();
        let mut local_broken_steps = 0;
        for &(byte, removed, inserted) in steps {
            version.replace_range(byte..byte + removed, inserted);
            let (inc, full, stats) = both(&version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ at a step:\n{version}");
            let broken = parse(&version, None).root_node().has_error();
            if broken && stats.reused > 0 && stats.items - stats.reused > 1 {
                local_broken_steps += 1;
            }
        }
        assert_eq!(version, text, "the steps repair what they break");
        assert!(local_broken_steps > 0, "no broken step was analysed by focused runs");
    }

    /// A half-typed `func` line turns a method into error items: they no longer declare the
    /// method's receiver type, and the variables and types its body declares are its own. Neither
    /// re-runs the other methods of the type (which all mention it and `err`), and every step still
    /// equals a full analysis.
    #[test]
    fn a_broken_func_line_does_not_rerun_the_methods_of_its_type() {
        let text = switch_methods(40).replace(
            "func (h *API) Get20(url string) error {\n",
            "func (h *API) Get20(url string) error {\n\tvar last error\n\ttype code int\n\t_, _ = last, code(0)\n",
        );
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let (first, full, _) = both(&text, &mut index, &mut cache);
        assert_eq!(first, full);
        let func = text.find("func (h *API) Get20(").unwrap() + 1;
        let mut version = text.clone();
        for (at, removed, inserted) in [(func, 0, "q"), (func, 1, "")] {
            version.replace_range(at..at + removed, inserted);
            let (inc, full, stats) = both(&version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ at a step:\n{version}");
            assert!(stats.items - stats.reused <= 6, "{stats:?}: the edit re-ran the type's other methods");
        }
        assert_eq!(version, text);
    }

    #[test]
    fn an_edit_inside_one_function_reuses_the_others() {
        let text = "package a\n\nimport \"github.com/gin-gonic/gin\"\n\n\
            func A(c *gin.Context) { c.Next(); c.Next() }\n\nfunc B(c *gin.Context) { c.Next() }\n";
        let config = Config::default();
        let mut cache = Cache::default();
        let tree = parse(text, None);
        let (first, _) =
            analyze_incremental(text, &tree, &config, &FileInfo::default(), &Index::default(), None, &mut cache);
        assert_eq!(first.len(), 1);
        let edited = text.replace("{ c.Next() }", "{ c.Next(); c.Next() }");
        let tree = parse(&edited, None);
        let (second, stats) =
            analyze_incremental(&edited, &tree, &config, &FileInfo::default(), &Index::default(), None, &mut cache);
        assert_eq!(second.len(), 2);
        assert_eq!(stats.reused, stats.items - 1, "only the edited function is analysed again");
    }
}
