//! Incremental analysis: after an edit, run the rules only on the top-level declarations whose
//! text changed, and reuse the findings of the others.
//!
//! A file is cut into its top-level items (the header of package clause and imports, then each
//! declaration). Each item's findings are cached under a hash of its text. The context covers what
//! a rule may read outside the item it reports in. The header, the settings, the file facts and
//! the workspace index generation are hashed together: when they change, everything is
//! recomputed. Declarations (function signatures, types, variables, constants) are hashed per
//! name they declare: when a function's or a constant's changes, the items that mention one of its
//! names are recomputed, since rules look other declarations up by name. Variables and types are
//! followed only by the reads that rules record of them (`Source::reads_top_level_for` and the
//! like): a broken function whose body tree-sitter lifts to the top level declares its `var out`
//! there, which by mention re-ran every item that mentions `out`.
//!
//! Some rules read the whole file, bodies of other functions included: struct fields of types
//! declared anywhere (`Source::field_types`), a `Wait()` call on a wait group, an assignment to
//! `http.DefaultClient`, a server configured after construction, a constant declared in another
//! function. They note each such read with the name it is about (`Source::reads_file_about`,
//! `Source::reads_fields_named`), and the item that read runs again when an added, removed or
//! moved item mentions that name (for fields: when a declaration of a field of that name was
//! added or removed). A read of the file's top-level declarations of a name
//! (`Source::reads_top_level_for`, `Source::reads_top_level`) re-runs the item when a top-level
//! declaration of that name is added, removed or changed.
//!
//! Architecture invariant: a rule's findings in one declaration depend only on that declaration,
//! on the context above and on the whole-file reads it noted. A rule that reads another
//! function's body without noting it must not be cached this way; the differential tests below
//! (incremental equals full analysis, through random edits and through edits of one item that
//! change another's findings) guard the invariant.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::index::{recording, recording_at, FuncDecl, Index, Lookup};
use super::{finish, recording_file_reads, run_rules, FileInfo, FileRead, Finding, Source};
use crate::config::Config;

struct CachedItem {
    hash: u64,
    range: Range<usize>,
    findings: Vec<Finding>,
    /// The names the item's rules looked up in the index (for a full run, the methods asked about
    /// for code in the item, see [`Source::judging`], and those asked without a position, which
    /// every item shares), and the top-level names they read.
    looked_up: Arc<Vec<String>>,
    /// What the item's rules read the whole file about ([`Source::reads_file_about`],
    /// [`Source::reads_fields_named`]; for a group, those of the whole run, shared by every item of
    /// it; for a full run, see there), without positions. Reads of top-level declarations are
    /// declared names, kept in `looked_up`.
    reads: Arc<Vec<FileRead>>,
    /// The struct fields the item declares, anywhere in it, each with a hash of its declaration
    /// (see [`Source::reads_fields_named`]).
    fields: Vec<(String, u64)>,
}

/// What a declaration item contributes to the context, and its index declarations: both depend
/// only on its kind and text, so they are kept per item between analyses and extracted again only
/// for items that changed.
struct Shape {
    /// Each name the item declares, with a hash of the text that declares it, and whether it is
    /// followed by recorded reads alone (see [`declared_names`]).
    names: Vec<(String, u64, bool)>,
    /// The item's index declarations (without the package, which is the header's).
    decls: Option<Vec<FuncDecl>>,
    /// [`digest`] of `names`.
    digest: u64,
}

impl Shape {
    fn new(src: &Source<'_>, item: Node<'_>) -> Shape {
        let names: Vec<(String, u64, bool)> =
            declared_names(src, item).into_iter().map(|(n, h, quiet)| (n.to_string(), h, quiet)).collect();
        let digest = digest(names.iter().map(|(n, h, quiet)| (n.as_str(), *h, *quiet)));
        Shape { names, decls: None, digest }
    }
}

/// An order-independent digest of name contributions, so that a keystroke that changes no
/// declared name (most of them) can tell so without building the map of the file's names, which
/// allocates every name (about a tenth of a millisecond on the bench's 5,000-line file).
fn digest<'n>(names: impl Iterator<Item = (&'n str, u64, bool)>) -> u64 {
    names.fold(0u64, |sum, (name, hash, quiet)| {
        let hash = hash ^ u64::from(quiet).wrapping_mul(0xA24B_AED4_963E_E407);
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
    names: Arc<Names>,
    /// [`digest`] of every contribution to `names`.
    names_digest: u64,
    /// The shapes of the current declaration items, by kind and text hash.
    shapes: HashMap<(u16, u64), Shape>,
    /// The package the cached declarations were extracted with.
    package: String,
    /// The keys of the shapes of the declaring items, and the index generation and the place
    /// and length of the index's declarations of the file, when [`declarations_unless`] last
    /// found those equal to the items' (see there).
    declared: Option<Declared>,
    /// The text the items were analysed in: the items that an edit removed are read here for the
    /// names they mention (see [`Source::reads_file_about`]). The server's copy of the text when
    /// it shares it (see [`analyze_source`]), which saves a copy of the file per keystroke.
    text: Arc<String>,
    /// The items of the last few versions that an edit removed or made stale, newest last.
    buried: std::collections::VecDeque<Buried>,
    /// [`field_sums`] of the items.
    fields: Arc<HashMap<String, u64>>,
}

/// Items that an edit removed from the file or made stale, with the declared names they were
/// valid under, kept while the file has a syntax error. Typing a character that breaks the syntax
/// often swallows the rest of the file into one broken item, or lifts a function's locals to the
/// top level, and deleting it again brings back what was there: the findings buried then come
/// back without running the rules, unless a name they mention was declared differently since, or
/// a struct field they read. Items whose rules read the whole file about anything else
/// ([`Source::reads_file_about`]) are not kept: what changed since cannot be told for them.
struct Buried {
    names: Arc<Names>,
    /// The struct field declarations of the file then (see [`field_sums`]), for the items that
    /// read fields by name.
    fields: Arc<HashMap<String, u64>>,
    items: Vec<Option<CachedItem>>,
}

/// Whether an item's whole-file reads are all reads of struct fields, which a buried item can be
/// checked against (the other reads are of any text, which is not kept).
fn only_field_reads(c: &CachedItem) -> bool {
    c.reads.iter().all(|r| matches!(r, FileRead::Fields(_)))
}

/// Per declared name, the sums of the hashes of its declarations: those followed by mention
/// (functions, methods, constants, interface methods), then those followed by recorded reads alone
/// (variables and types, see [`declared_names`]).
type Names = HashMap<String, [u64; 2]>;

/// Whether the findings of an item are stale under the declarations `changed` (from
/// [`changed_names`]): its rules looked one of the names up (in the index, or in the file's
/// top-level declarations), or it mentions one whose declarations followed by mention changed.
///
/// Repairing a syntax error that swallowed the rest of the file brings back about half the file's
/// items against a few hundred changed names; testing each name against each item's text and
/// look-ups cost about 10 milliseconds on the bench's file. Past a few names the item's words and
/// the changed names are put in sets first. The words of a text are a superset of the names it
/// [`mentions`], so this can only find more items stale, never fewer.
fn stale_under(changed: &[(impl AsRef<str>, bool)], looked_up: &[String], item_text: &str) -> bool {
    const FEW: usize = 16;
    if changed.len() <= FEW {
        return changed.iter().any(|(n, by_mention)| {
            let n = n.as_ref();
            looked_up.iter().any(|l| l == n) || *by_mention && mentions(item_text, n)
        });
    }
    let names: std::collections::HashSet<&str> = changed.iter().map(|(n, _)| n.as_ref()).collect();
    if looked_up.iter().any(|l| names.contains(l.as_str())) {
        return true;
    }
    let texts = [item_text];
    let words = words_of(&texts);
    changed.iter().any(|(n, by_mention)| *by_mention && touches(&words, &texts, n.as_ref()))
}

/// [`field_sums`] of one version of a file, shared by the cache and the items buried then.
type FieldSums = Arc<HashMap<String, u64>>;

/// Per field name, a digest of the declarations of fields of that name in `items`.
fn field_sums(items: &[CachedItem]) -> HashMap<String, u64> {
    let mut out: HashMap<String, u64> = HashMap::new();
    for (name, hash) in items.iter().flat_map(|c| c.fields.iter()) {
        let e = out.entry(name.clone()).or_default();
        *e = e.wrapping_add(*hash ^ 0x5bd1_e995).wrapping_add(1 << 40);
    }
    out
}

/// How many versions back buried items are kept.
const BURIED_VERSIONS: usize = 4;

/// Takes from `buried` (newest first) the findings of an item with this hash that are still valid
/// under the declared names `current`, moved to start at `start`. `changed` holds, per batch, the
/// names declared differently since, computed on first use.
fn revive(
    buried: &mut std::collections::VecDeque<Buried>,
    changed: &mut Vec<Option<Vec<(String, bool)>>>,
    current: &Names,
    hash: u64,
    item_text: &str,
    start: usize,
    header_end: usize,
) -> Option<(CachedItem, Vec<Finding>, FieldSums)> {
    changed.resize(buried.len(), None);
    for (b, batch) in buried.iter_mut().enumerate().rev() {
        for slot in batch.items.iter_mut() {
            let Some(c) = slot.as_ref().filter(|c| c.hash == hash) else { continue };
            let since = changed[b].get_or_insert_with(|| {
                changed_names(&batch.names, current).into_iter().map(|(n, m)| (n.to_string(), m)).collect()
            });
            if stale_under(since, &c.looked_up, item_text) {
                continue;
            }
            let Some(findings) =
                c.findings.iter().map(|f| remap(f, &c.range, start, header_end)).collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let fields = batch.fields.clone();
            return slot.take().map(|c| (c, findings, fields));
        }
    }
    None
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
        let names: usize = self.names.keys().chain(self.fields.keys()).map(|k| k.len() + 32).sum();
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
                    + s.names.iter().map(|(n, _, _)| n.len() + 32).sum::<usize>()
                    + s.decls.iter().flatten().map(decl).sum::<usize>()
            })
            .sum();
        let buried: usize = self
            .buried
            .iter()
            .flat_map(|b| b.items.iter().flatten())
            .map(|c| std::mem::size_of::<CachedItem>() + c.findings.iter().map(finding).sum::<usize>())
            .sum();
        CacheSize {
            items: self.items.len(),
            findings,
            // The names of whole-file reads are left out: a few per item, and shared by the items of
            // one run, so they would make the figure depend on how the items were last run. The
            // text counts by its length for the same reason.
            bytes: std::mem::size_of::<Cache>() + items + names + shapes + buried + self.text.len(),
        }
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

// Top-level items are told apart by kind id (`go::KIND_IDS`): every keystroke tests each of a large
// file's hundreds of items, and `Node::kind` converts a C string per call. Each of these names has
// one id in the grammar (`top_level_kinds_have_one_id_each`).

fn is_header(n: Node<'_>) -> bool {
    let (k, top) = (n.kind_id(), &*super::go::KIND_IDS);
    k == top.package_clause || k == top.import_declaration
}

fn is_comment(n: Node<'_>) -> bool {
    n.kind_id() == super::go::KIND_IDS.comment
}

/// A function, method or type declaration: the items whose declarations the index keeps.
fn is_indexed(n: Node<'_>) -> bool {
    let (k, top) = (n.kind_id(), &*super::go::KIND_IDS);
    k == top.function_declaration || k == top.method_declaration || k == top.type_declaration
}

fn is_declaration(n: Node<'_>) -> bool {
    let (k, top) = (n.kind_id(), &*super::go::KIND_IDS);
    is_indexed(n) || k == top.var_declaration || k == top.const_declaration
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
) -> (u64, usize, Option<Names>, u64) {
    let header_end =
        items.iter().find(|n| !is_header(**n) && !is_comment(**n)).map_or(src.text.len(), |n| n.start_byte());
    let mut h = DefaultHasher::new();
    src.text[..header_end].hash(&mut h);
    // The contributions, as the keys of the declarations' shapes; the map is built from them only
    // when their digest changed.
    let mut keys: Vec<(u16, u64)> = Vec::new();
    let mut sum = 0u64;
    for (item, &hash) in items.iter().zip(hashes).filter(|(n, _)| n.start_byte() >= header_end) {
        if is_comment(*item) {
            continue;
        }
        if is_header(*item) {
            // An import out of place still counts: `Source` reads imports from every top-level
            // import declaration.
            src.text_of(*item).hash(&mut h);
            continue;
        }
        if !is_declaration(*item) {
            // Anything else (an ERROR node of half-typed code, a stray statement) declares no
            // name: its variables, types and interface methods are read by no rule outside the
            // item, and its constants and struct fields only by rules that read the whole file
            // and say so (see [`declared_names`]).
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
        let mut names: Names = HashMap::new();
        let mut add = |name: &str, hash: u64, quiet: bool| {
            let sums = match names.get_mut(name) {
                Some(sums) => sums,
                None => names.entry(name.to_string()).or_default(),
            };
            sums[usize::from(quiet)] = sums[usize::from(quiet)].wrapping_add(hash);
        };
        for shape in keys.iter().filter_map(|k| shapes.get(k)) {
            for (name, hash, quiet) in &shape.names {
                add(name, *hash, *quiet);
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
/// its spec, and its interface methods each with their own line, so editing one method re-runs
/// only the items that mention that method or the type; the names of variables and
/// constants with their whole declaration (a constant's value may come from the spec before it,
/// through `iota`).
///
/// Each name comes with whether it is quiet: followed only by the reads that rules record
/// ([`Source::reads_top_level_for`] and the like), not by the items that mention it. Variables and
/// type names are quiet: every rule that reads another item's variable or type says so
/// (`go::declaration_of`'s file-level fallbacks, unclosed-body's package-level bindings,
/// costly-log-field's local types, the fixes' top-level names), and a broken function whose body
/// tree-sitter lifts to the top level declares its `var out` or `type result` there, which by
/// mention re-ran every item that mentions `out` or `result` (35 to 75 items of the bench's file).
/// Functions, constants and interface methods are still followed by mention: rules read constants
/// declared elsewhere by the name they follow, and the index answers questions about functions
/// and methods (the full run charges only a few kinds of question to its items).
///
/// A method does not declare its receiver's type name. Rules learn which methods a type has only
/// from the index (`Index::methods`, whose questions the cache records with the method's name) or,
/// in costly-log-field, by a method name they asked the index about first; either way the method's
/// own name changes with it. Counting the receiver made a method whose `func` line is half typed
/// re-run every item that mentions its type, about every method of it.
///
/// A struct field is no declared name: rules find fields by name anywhere in the file, in the
/// bodies of functions too (`Source::field_types`), so they note those reads
/// (`Source::reads_file_about`) and the cache re-runs them when any text that mentions the field
/// changes. Following fields by mention re-ran every item that mentions `Name` or `ID` when one
/// struct's field changed. Half-typed code (an item that is not a declaration, see
/// [`context_of`]) declares nothing: no rule looks up its variables, types or interface methods
/// from another item (`Source`'s file variables, the index, and the type, constant and top-level
/// name look-ups read declaration items only), so a broken function does not seem to declare its
/// locals (`result`, `err`) for the whole file; its constants and fields are found only by reads
/// of the whole file, which are noted.
fn declared_names<'a>(src: &Source<'a>, item: Node<'_>) -> Vec<(&'a str, u64, bool)> {
    let mut out = Vec::new();
    match item.kind() {
        "function_declaration" | "method_declaration" => {
            // Only the signature of a function is context; its body is the item itself.
            let end = item.child_by_field_name("body").map_or(item.end_byte(), |b| b.start_byte());
            let sig = hash_str(&src.text[item.start_byte()..end]);
            out.extend(item.child_by_field_name("name").map(|n| (src.text_of(n), sig, false)));
        }
        "var_declaration" | "const_declaration" => {
            let whole = hash_str(src.text_of(item));
            let quiet = item.kind() == "var_declaration";
            super::go::visit_all(item, |n| {
                if n.kind() == "identifier" && n.parent().is_some_and(|p| matches!(p.kind(), "var_spec" | "const_spec"))
                {
                    out.push((src.text_of(n), whole, quiet));
                }
            });
        }
        _ => declarers(item, |n, declarer| {
            let quiet = n.kind() == "type_identifier";
            out.push((src.text_of(n), hash_str(src.text_of(declarer)), quiet))
        }),
    }
    out
}

/// Calls `f` with each name that a type declaration (`item`) declares and the node that declares
/// it: types and interface methods (struct fields are no declared names, see [`declared_names`]).
fn declarers<'t>(item: Node<'t>, mut f: impl FnMut(Node<'t>, Node<'t>)) {
    super::go::visit_all(item, |n| {
        let declarer = match n.kind() {
            "field_identifier" => n.parent().filter(|p| matches!(p.kind(), "method_elem" | "method_spec")),
            "type_identifier" => n.parent().filter(|p| matches!(p.kind(), "type_spec" | "type_alias")),
            _ => None,
        };
        if let Some(declarer) = declarer {
            f(n, declarer);
        }
    });
}

/// A file's top-level items with a [`hash_str`] of each one's text. The server's declarations and
/// its analysis both need them: walking the root's children and hashing every item costs tens of
/// microseconds each on the bench's 5,000-line file, so a keystroke does both once.
pub struct Items<'t> {
    nodes: Vec<Node<'t>>,
    hashes: Vec<u64>,
}

impl<'t> Items<'t> {
    pub fn of(src: &Source<'t>) -> Items<'t> {
        let root = src.root();
        let mut cursor = root.walk();
        let nodes: Vec<Node<'t>> = root.named_children(&mut cursor).collect();
        let hashes = nodes.iter().map(|n| hash_str(&src.text[n.byte_range()])).collect();
        Items { nodes, hashes }
    }

    /// Like [`Items::of`], but an item that lies wholly in the text that `cache`'s last analysis
    /// shares with this one, before or after what changed, keeps the hash of the cached item it
    /// equals: the same range in the common prefix, or in the common suffix the range moved by the
    /// change of length. A keystroke then hashes only the item it falls in, instead of the whole
    /// file (170 KB on the bench's 5,000-line file); finding the two common ends is a `memcmp`.
    pub fn reusing(src: &Source<'t>, cache: &Cache) -> Items<'t> {
        let root = src.root();
        let mut cursor = root.walk();
        let nodes: Vec<Node<'t>> = root.named_children(&mut cursor).collect();
        let (old, new) = (cache.text.as_str(), src.text);
        if cache.items.is_empty() {
            let hashes = nodes.iter().map(|n| hash_str(&new[n.byte_range()])).collect();
            return Items { nodes, hashes };
        }
        let (prefix, suffix) = crate::text::common_ends(old, new);
        let suffix_start = new.len() - suffix;
        let cached_hash = |r: Range<usize>| {
            let at = cache.items.partition_point(|c| c.range.start < r.start);
            cache.items[at..].iter().take_while(|c| c.range.start == r.start).find(|c| c.range == r).map(|c| c.hash)
        };
        let hashes = nodes
            .iter()
            .map(|n| {
                let r = n.byte_range();
                let old_range = if r.end <= prefix {
                    Some(r.clone())
                } else if r.start >= suffix_start {
                    Some(r.start + old.len() - new.len()..r.end + old.len() - new.len())
                } else {
                    None
                };
                match old_range.and_then(cached_hash) {
                    Some(h) => {
                        debug_assert_eq!(h, hash_str(&new[r]), "a reused hash is that of the item's text");
                        h
                    }
                    None => hash_str(&new[r]),
                }
            })
            .collect();
        Items { nodes, hashes }
    }
}

/// The file's index declarations (like [`super::index::declarations`]), extracting only those of
/// items whose text changed since the last call with this cache.
pub fn declarations(src: &Source<'_>, cache: &mut Cache) -> Vec<FuncDecl> {
    declarations_unless(src, cache, None, &Items::of(src)).unwrap_or_default()
}

/// Like [`declarations`], but `None` when they equal `current` (what the index holds for the file),
/// without copying them: most keystrokes change no declaration, and copying every declaration of
/// the file cost about 60 microseconds per keystroke on the bench's 5,000-line file.
/// `current` comes with the generation of the index that holds it ([`Index::generation`]), which
/// must be one index for every call with this cache: while it and the file's declaring items are
/// unchanged since a call that found them equal, they still are, and nothing is compared.
/// `items` are the source's.
pub fn declarations_unless(
    src: &Source<'_>,
    cache: &mut Cache,
    current: Option<(&[FuncDecl], u64)>,
    items: &Items<'_>,
) -> Option<Vec<FuncDecl>> {
    let package = super::index::package_name(src);
    if package != cache.package {
        cache.shapes.clear();
        cache.package = package;
        cache.declared = None;
    }
    let (indexed, keys): (Vec<Node<'_>>, Vec<(u16, u64)>) = items
        .nodes
        .iter()
        .zip(&items.hashes)
        .filter(|(item, _)| is_indexed(**item))
        .map(|(item, &hash)| (*item, (item.kind_id(), hash)))
        .unzip();
    let seen = |c: &[FuncDecl], generation| (generation, c.as_ptr() as usize, c.len());
    // While the index is unchanged since a call that found the file's declarations equal, only
    // the items whose keys changed since (usually the one edited) are compared, at the place
    // their declarations take among the others'.
    if let (Some((c, generation)), Some(then)) = (current, cache.declared.take()) {
        if then.seen == seen(c, generation) && then.keys.len() == keys.len() {
            let mut at = 0;
            let mut equal = true;
            'items: for (i, (&key, &n)) in keys.iter().zip(&then.counts).enumerate() {
                let n = n as usize;
                if key != then.keys[i] {
                    let Some(range) = c.get(at..at + n) else {
                        equal = false;
                        break;
                    };
                    let shape = cache.shapes.entry(key).or_insert_with(|| Shape::new(src, indexed[i]));
                    let decls = shape.decls.get_or_insert_with(|| {
                        let mut d = Vec::new();
                        super::index::item_declarations(src, indexed[i], &cache.package, &mut d);
                        d
                    });
                    if decls.len() != n {
                        equal = false;
                        break;
                    }
                    let mut copied = false;
                    for (d, x) in decls.iter().zip(range) {
                        match same_decl(d, x) {
                            Same::Shared => {}
                            Same::Equal => copied = true,
                            Same::Different => {
                                equal = false;
                                break 'items;
                            }
                        }
                    }
                    if copied {
                        decls.clone_from_slice(range);
                    }
                }
                at += n;
            }
            if equal && at == c.len() {
                cache.declared = Some(Declared { keys, counts: then.counts, seen: then.seen });
                return None;
            }
        }
    }
    let current = current.map(|(c, generation)| (c, seen(c, generation)));
    for (&item, &key) in indexed.iter().zip(&keys) {
        let shape = cache.shapes.entry(key).or_insert_with(|| Shape::new(src, item));
        shape.decls.get_or_insert_with(|| {
            let mut d = Vec::new();
            super::index::item_declarations(src, item, &cache.package, &mut d);
            d
        });
    }
    if let Some((current, seen)) = current {
        // Compared text by text, by pointer first: once the cached declarations hold the index's
        // shared copies of their texts (adopted below), a keystroke compares pointers instead of
        // strings, which was most of this function's time. Only the shapes of items that changed
        // hold copies of their own.
        let mut at = 0;
        let mut equal = true;
        let mut copies = Vec::new();
        let mut counts = Vec::with_capacity(keys.len());
        'compare: for k in &keys {
            let start = at;
            let mut copied = false;
            for d in cache.shapes.get(k).and_then(|s| s.decls.as_ref()).into_iter().flatten() {
                match current.get(at).map(|c| same_decl(d, c)) {
                    Some(Same::Shared) => {}
                    Some(Same::Equal) => copied = true,
                    _ => {
                        equal = false;
                        break 'compare;
                    }
                }
                at += 1;
            }
            if copied {
                copies.push((*k, start..at));
            }
            counts.push((at - start) as u32);
        }
        if equal && at == current.len() {
            for (k, range) in copies {
                if let Some(decls) = cache.shapes.get_mut(&k).and_then(|s| s.decls.as_mut()) {
                    decls.clone_from_slice(&current[range]);
                }
            }
            cache.declared = Some(Declared { keys, counts, seen });
            return None;
        }
    }
    let all = || keys.iter().filter_map(|k| cache.shapes.get(k)).flat_map(|s| s.decls.iter().flatten());
    Some(all().cloned().collect())
}

/// The generation of an index, and the place and length of its declarations of a file: while all
/// three are unchanged, so are those declarations (see [`declarations_unless`]).
type Seen = (u64, usize, usize);

/// What [`declarations_unless`] last found equal to the index's declarations of the file: the
/// keys of the declaring items' shapes, how many declarations each has, and the index then.
struct Declared {
    keys: Vec<(u16, u64)>,
    counts: Vec<u32>,
    seen: Seen,
}

/// How two declarations compare (see [`same_decl`]).
#[derive(PartialEq)]
enum Same {
    /// Equal, every text the same shared copy.
    Shared,
    /// Equal, some text in two copies.
    Equal,
    Different,
}

/// Compares two declarations text by text, by pointer first (equal to `a == b`).
fn same_decl(a: &FuncDecl, b: &FuncDecl) -> Same {
    use super::index::Text;
    fn text(x: &Text, y: &Text, copies: &mut bool) -> bool {
        if Arc::ptr_eq(x, y) {
            return true;
        }
        *copies = true;
        x == y
    }
    fn texts(x: &[Text], y: &[Text], copies: &mut bool) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(x, y)| text(x, y, copies))
    }
    let mut copies = false;
    let c = &mut copies;
    let equal = text(&a.name, &b.name, c)
        && text(&a.package, &b.package, c)
        && match (&a.receiver, &b.receiver) {
            (Some(x), Some(y)) => text(x, y, c),
            (None, None) => true,
            _ => false,
        }
        && texts(a.params(), b.params(), c)
        && texts(a.types(), b.types(), c)
        && texts(a.results(), b.results(), c);
    debug_assert_eq!(equal, a == b, "same_decl agrees with ==");
    match (equal, copies) {
        (false, _) => Same::Different,
        (true, false) => Same::Shared,
        (true, true) => Same::Equal,
    }
}

/// The names whose declarations differ between two contexts (added, removed or changed), each
/// with whether its declarations followed by mention differ (see [`Names`]).
fn changed_names<'m>(old: &'m Names, new: &'m Names) -> Vec<(&'m str, bool)> {
    let mut out: Vec<(&str, bool)> = old
        .iter()
        .filter_map(|(k, v)| match new.get(k) {
            Some(w) if w == v => None,
            Some(w) => Some((k.as_str(), w[0] != v[0])),
            None => Some((k.as_str(), v[0] != 0)),
        })
        .collect();
    out.extend(new.iter().filter(|(k, _)| !old.contains_key(*k)).map(|(k, v)| (k.as_str(), v[0] != 0)));
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

/// The struct fields declared anywhere in `item` that [`Source::field_types`] finds (a named field
/// with a type), each with a hash of its declaration.
fn fields_of(src: &Source<'_>, item: Node<'_>) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    // Only a struct type declares fields: most functions need no walk.
    if !src.text_of(item).contains("struct") {
        return out;
    }
    super::go::visit_all(item, |n| {
        if n.kind() != "field_declaration" || n.child_by_field_name("type").is_none() {
            return;
        }
        let hash = hash_str(src.text_of(n));
        let mut cursor = n.walk();
        out.extend(n.children_by_field_name("name", &mut cursor).map(|f| (src.text_of(f).to_string(), hash)));
    });
    out
}

/// Every identifier-like word of `texts`.
fn words_of<'t>(texts: &[&'t str]) -> std::collections::HashSet<&'t str> {
    let ident = |c: char| c == '_' || c.is_alphanumeric();
    texts.iter().flat_map(|t| t.split(|c: char| !ident(c))).filter(|w| !w.is_empty()).collect()
}

/// Whether `texts` (with their `words`) mention `name`: as a word, or for a name that is not one
/// word, anywhere.
fn touches(words: &std::collections::HashSet<&str>, texts: &[&str], name: &str) -> bool {
    if name.chars().all(|c| c == '_' || c.is_alphanumeric()) {
        words.contains(name)
    } else {
        texts.iter().any(|t| t.contains(name))
    }
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

/// Splits recorded reads into the reads of the whole file (without their positions) and the names
/// whose top-level declarations a rule read ([`FileRead::TopLevel`]). Those are declared names: the
/// cache follows them like the names of index questions, by the declarations that changed, which
/// is exact for them and, unlike a read of the whole file, lets an item that read them be buried
/// and revived.
fn split_top_level_reads(reads: Vec<FileRead>) -> (Vec<FileRead>, Vec<String>) {
    let mut rest = Vec::new();
    let mut top = Vec::new();
    for r in reads {
        match r {
            FileRead::TopLevel { name, .. } => top.push(name),
            FileRead::About { name, .. } => rest.push(FileRead::About { name, at: None }),
            r @ FileRead::Fields(_) => rest.push(r),
        }
    }
    rest.sort();
    rest.dedup();
    top.sort();
    top.dedup();
    (rest, top)
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
    analyze_source(Source::new(text, tree).with_context(file, index), config, own_key, cache, None, None)
}

/// Like [`analyze_incremental`], for a caller that has made the `Source` already (with the file's
/// facts and the index): making one walks every top-level item for the imports. `shared`, when
/// given, holds the source's text, and the cache keeps it instead of a copy; `items`, when given,
/// are the source's.
pub fn analyze_source<'t>(
    mut src: Source<'t>,
    config: &Config,
    own_key: Option<&str>,
    cache: &mut Cache,
    shared: Option<Arc<String>>,
    items: Option<Items<'t>>,
) -> (Vec<Finding>, Stats) {
    let (text, tree) = (src.text, src.tree);
    let root = tree.root_node();
    let Items { nodes: items, hashes } = items.unwrap_or_else(|| Items::reusing(&src, cache));
    let mut old_shapes = std::mem::take(&mut cache.shapes);
    let (context, header_end, names, names_digest) =
        context_of(&src, &items, &hashes, config, own_key, &mut old_shapes, &mut cache.shapes, cache.names_digest);
    drop(old_shapes);
    if context != cache.context || header_end != cache.header_end {
        cache.items.clear();
        cache.buried.clear();
        cache.fields = Arc::default();
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
    let no_reads: Arc<Vec<FileRead>> = Arc::default();
    // The items whose text is new here, or that moved past others: what they mention may change
    // the findings of the items that read the whole file about it.
    let mut new_text = Vec::new();
    let current: &Names = names.as_ref().unwrap_or(&cache.names);
    let mut buried_changed = Vec::new();
    let mut burying: Vec<Option<CachedItem>> = Vec::new();
    // Revived items that read fields, with the field declarations of their time.
    let mut revived_reading: Vec<(usize, Arc<HashMap<String, u64>>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let range = item.byte_range();
        let hash = hashes[i];
        // Items keep their order, so search forward from the last match first.
        let found = (next_old..old.len()).chain(0..next_old).find(|&j| old[j].as_ref().is_some_and(|c| c.hash == hash));
        if found.is_none_or(|j| j < next_old) {
            new_text.push(i);
        }
        let taken = found.and_then(|j| {
            next_old = next_old.max(j + 1);
            old[j].take()
        });
        let Some(c) = taken else {
            let item_text = &text[range.clone()];
            let revived =
                revive(&mut cache.buried, &mut buried_changed, current, hash, item_text, range.start, header_end);
            if let Some((c, findings, fields_then)) = revived {
                stats.reused += 1;
                if !c.reads.is_empty() {
                    revived_reading.push((i, fields_then));
                }
                new_items.push(CachedItem { range, findings, ..c });
                continue;
            }
            dirty.push(i);
            let fields = fields_of(&src, *item);
            new_items.push(CachedItem {
                hash,
                range,
                findings: Vec::new(),
                looked_up: none.clone(),
                reads: no_reads.clone(),
                fields,
            });
            continue;
        };
        let stale = stale_under(&changed, &c.looked_up, &text[range.clone()]);
        let findings = if stale {
            None
        } else {
            c.findings.iter().map(|f| remap(f, &c.range, range.start, header_end)).collect::<Option<Vec<_>>>()
        };
        match findings {
            Some(findings) => {
                stats.reused += 1;
                new_items.push(CachedItem {
                    hash,
                    range,
                    findings,
                    looked_up: c.looked_up,
                    reads: c.reads,
                    fields: c.fields,
                });
            }
            None => {
                let item_text = &text[range.clone()];
                let revived =
                    revive(&mut cache.buried, &mut buried_changed, current, hash, item_text, range.start, header_end);
                let fields = c.fields.clone();
                if only_field_reads(&c) {
                    burying.push(Some(c));
                }
                if let Some((c, findings, fields_then)) = revived {
                    stats.reused += 1;
                    if !c.reads.is_empty() {
                        revived_reading.push((i, fields_then));
                    }
                    new_items.push(CachedItem { range, findings, ..c });
                    continue;
                }
                dirty.push(i);
                new_items.push(CachedItem {
                    hash,
                    range,
                    findings: Vec::new(),
                    looked_up: none.clone(),
                    reads: no_reads.clone(),
                    fields,
                });
            }
        }
    }
    // The file's field declarations, computed again only when an item that declares fields was
    // added or removed.
    let fields_changed =
        new_text.iter().any(|&i| !new_items[i].fields.is_empty()) || old.iter().flatten().any(|c| !c.fields.is_empty());
    let fields_before = cache.fields.clone();
    if fields_changed {
        cache.fields = Arc::new(field_sums(&new_items));
    }
    // A revived item that read fields is valid only if those fields are declared as they were.
    for (i, then) in revived_reading {
        let c = &mut new_items[i];
        let moved = c.reads.iter().any(|r| match r {
            FileRead::Fields(field) => then.get(field) != cache.fields.get(field),
            // Only items whose reads are all of fields are buried.
            _ => true,
        });
        if moved {
            c.findings.clear();
            c.reads = no_reads.clone();
            c.looked_up = none.clone();
            stats.reused -= 1;
            if let Err(at) = dirty.binary_search(&i) {
                dirty.insert(at, i);
            }
        }
    }
    // A reused item whose rules read the whole file about a name runs again when an item that
    // mentions the name was added, removed or moved, and one that read the fields of a name when
    // a declaration of such a field was added or removed: such reads see every function's body,
    // which the declared names do not cover.
    if new_items.iter().any(|c| !c.reads.is_empty()) {
        let removed: Vec<&CachedItem> = old.iter().flatten().collect();
        let mut changed_texts: Vec<&str> = new_text.iter().map(|&i| &text[new_items[i].range.clone()]).collect();
        changed_texts.extend(removed.iter().filter_map(|c| cache.text.get(c.range.clone())));
        let words = words_of(&changed_texts);
        // The field declarations of the removed items against those of the added ones, by name.
        let mut field_sums: HashMap<&str, (u64, u64)> = HashMap::new();
        for (name, hash) in removed.iter().flat_map(|c| c.fields.iter()) {
            let e = field_sums.entry(name.as_str()).or_default();
            e.0 = e.0.wrapping_add(*hash ^ 0x5bd1_e995).wrapping_add(1 << 40);
        }
        for (name, hash) in new_text.iter().flat_map(|&i| new_items[i].fields.iter()) {
            let e = field_sums.entry(name.as_str()).or_default();
            e.1 = e.1.wrapping_add(*hash ^ 0x5bd1_e995).wrapping_add(1 << 40);
        }
        let changed_fields: Vec<&str> = field_sums.iter().filter(|(_, (a, b))| a != b).map(|(n, _)| *n).collect();
        let stale = |read: &FileRead| match read {
            FileRead::Fields(field) => changed_fields.contains(&field.as_str()),
            FileRead::About { name, .. } => touches(&words, &changed_texts, name),
            // Kept as declared names (`looked_up`), never as reads.
            FileRead::TopLevel { .. } => false,
        };
        let dirty_before = dirty.len();
        let mut now_dirty = Vec::new();
        for (i, c) in new_items.iter().enumerate() {
            if !c.reads.is_empty() && dirty.binary_search(&i).is_err() && c.reads.iter().any(&stale) {
                now_dirty.push(i);
            }
        }
        for i in now_dirty {
            let c = &mut new_items[i];
            c.findings.clear();
            c.reads = no_reads.clone();
            c.looked_up = none.clone();
            if let Err(at) = dirty.binary_search(&i) {
                dirty.insert(at, i);
            }
        }
        stats.reused -= dirty.len() - dirty_before;
    }
    let mut complete = true;
    let groups = groups(&dirty);
    let focused: usize = groups.iter().map(|g| new_items[g.end - 1].range.end - new_items[g.start].range.start).sum();
    if dirty.len() == items.len() || focused * 4 > text.len() * 3 {
        // Most of the file changed (or this is the first analysis): one full run, then sort the
        // findings into their items. Below three quarters of the text, focused runs cost less:
        // on the bench's 5,000-line file of 329 items a full run takes about 130 ms and a focused
        // run about 0.5 ms plus its share of the walk. The run's reads and index questions are
        // charged to the item they were made for when that is known (see below), and to every
        // item when it is not.
        src.prepare_matches();
        let ((found, reads), looked_up) = recording_at(|| recording_file_reads(|| run_rules(&src, config)));
        // A read of fields by name is about the field of a selector the judged item spells, so it
        // is charged to the items that mention the field; a read made for some code (an
        // identifier resolved to its top-level declaration, a fix's choice of a name, a `Wait()`
        // or `http.DefaultClient` looked for in every function) to the item that holds that code;
        // a read without a position may come from any item, and is charged to all of them.
        let item_at = |at: usize| {
            let k = new_items.partition_point(|c| c.range.start <= at).checked_sub(1)?;
            new_items[k].range.contains(&at).then_some(k)
        };
        let mut field_reads = Vec::new();
        let mut other_reads = Vec::new();
        let mut top_names = Vec::new();
        let mut own_reads: HashMap<usize, Vec<FileRead>> = HashMap::new();
        let mut own_names: HashMap<usize, Vec<String>> = HashMap::new();
        for r in reads {
            match r {
                FileRead::Fields(field) => field_reads.push(field),
                FileRead::About { name, at } => match at.and_then(item_at) {
                    Some(k) => own_reads.entry(k).or_default().push(FileRead::About { name, at: None }),
                    None => other_reads.push(FileRead::About { name, at: None }),
                },
                FileRead::TopLevel { name, at } => match at.and_then(item_at) {
                    Some(k) => own_names.entry(k).or_default().push(name),
                    None => top_names.push(name),
                },
            }
        }
        // A question about a callee is about a name its call mentions, which the check by mention
        // covers; a question whether a type has a method (`String`, asked by costly-log-field)
        // names what the rule chose: it is charged to the item that holds the code the rule said
        // it judges ([`Source::judging`]), and without that could come from any item, as does a
        // question whether the file declares a name at top level.
        for (l, at) in looked_up.iter().filter(|(l, _)| matches!(l, Lookup::Method { .. } | Lookup::AnyMethod(_))) {
            match at.and_then(item_at) {
                Some(k) => own_names.entry(k).or_default().extend(names_of(l)),
                None => top_names.extend(names_of(l)),
            }
        }
        other_reads.sort();
        other_reads.dedup();
        let other_reads = Arc::new(other_reads);
        top_names.sort();
        top_names.dedup();
        let looked_up: Arc<Vec<String>> = Arc::new(top_names);
        for (k, c) in new_items.iter_mut().enumerate() {
            c.looked_up = match own_names.remove(&k) {
                Some(mut own) => {
                    // A rule asks the same question for every call of the item that needs it.
                    own.extend(looked_up.iter().cloned());
                    own.sort();
                    own.dedup();
                    Arc::new(own)
                }
                None => looked_up.clone(),
            };
            let item_text = &text[c.range.clone()];
            let mut own: Vec<FileRead> = own_reads.remove(&k).unwrap_or_default();
            own.extend(field_reads.iter().filter(|f| mentions(item_text, f)).map(|f| FileRead::Fields(f.clone())));
            c.reads = if own.is_empty() {
                other_reads.clone()
            } else {
                own.extend(other_reads.iter().cloned());
                own.sort();
                own.dedup();
                Arc::new(own)
            };
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
            cache.text = Arc::default();
            cache.buried.clear();
            cache.fields = Arc::default();
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
            let ((found, reads), looked_up) = recording(|| recording_file_reads(|| run_rules(&src, config)));
            let (reads, top_names) = split_top_level_reads(reads);
            let looked_up: Arc<Vec<String>> = Arc::new(looked_up.iter().flat_map(names_of).chain(top_names).collect());
            let reads = Arc::new(reads);
            let members = &mut new_items[g];
            for c in members.iter_mut() {
                c.findings.clear();
                c.looked_up = looked_up.clone();
                c.reads = reads.clone();
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
    debug_assert!(shared.as_ref().is_none_or(|s| s.as_str() == text), "the shared text is the analysed one");
    cache.text = shared.unwrap_or_else(|| Arc::new(text.to_string()));
    // What the edit removed or made stale was valid under the previous version's names. Buried
    // findings serve the repair of a syntax error: once the file parses again they are dropped,
    // so a file that parses holds only its own items' findings.
    burying.extend(old.into_iter().filter(|c| c.as_ref().is_some_and(only_field_reads)));
    if !root.has_error() {
        cache.buried.clear();
    } else if !burying.is_empty() {
        cache.buried.push_back(Buried { names: cache.names.clone(), fields: fields_before, items: burying });
        if cache.buried.len() > BURIED_VERSIONS {
            cache.buried.pop_front();
        }
    }
    if let Some(names) = names {
        cache.names = Arc::new(names);
        cache.names_digest = names_digest;
    }
    (finish(&src, findings), stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind ids the cache tests top-level items by stand for their names: no other symbol of
    /// the grammar has one of these names (an alias would give a name a second id).
    #[test]
    fn top_level_kinds_have_one_id_each() {
        let lang = tree_sitter::Language::from(tree_sitter_go::LANGUAGE);
        let names = [
            "package_clause",
            "import_declaration",
            "function_declaration",
            "method_declaration",
            "type_declaration",
            "var_declaration",
            "const_declaration",
            "comment",
        ];
        for name in names {
            let ids: Vec<u16> = (0..lang.node_kind_count() as u16)
                .filter(|&id| lang.node_kind_is_named(id) && lang.node_kind_for_id(id) == Some(name))
                .collect();
            assert_eq!(ids, [super::super::go::kind_id(name)], "{name}");
        }
    }
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

    /// Deleting the character that broke a method (here one that turns the rest of the file into
    /// the method's body) brings back the findings of the items the break swallowed or made stale,
    /// without running their rules again; each step still equals a full analysis.
    #[test]
    fn repairing_a_syntax_error_revives_what_it_buried() {
        let text = switch_methods(40);
        let case = text.find("Get20(").and_then(|m| text[m..].find("case errors").map(|i| m + i + 1)).unwrap();
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let (first, full, _) = both(&text, &mut index, &mut cache);
        assert_eq!(first, full);
        let mut broken = text.clone();
        broken.insert(case, 'q');
        let (inc, full, _) = both(&broken, &mut index, &mut cache);
        assert_eq!(inc, full, "incremental and full analysis differ when broken:\n{broken}");
        let (inc, full, stats) = both(&text, &mut index, &mut cache);
        assert_eq!(inc, full, "incremental and full analysis differ after the repair");
        assert_eq!(stats.reused, stats.items, "the repair ran the rules again");
        assert!(cache.buried.is_empty(), "a file that parses keeps nothing buried");
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

    /// A half-typed `func` line lifts the function's `var out` and `type result` to the top level.
    /// Every other function declares and mentions the same names, but resolves them to its own
    /// declarations: variables and types are followed by the reads rules record, not by mention,
    /// so the lifted declarations re-run none of them.
    #[test]
    fn a_lifted_variable_does_not_rerun_the_items_that_mention_its_name() {
        let mut text = String::from("package a\n\nimport \"net/http\"\n");
        for i in 0..40 {
            text.push_str(&format!(
                "\nfunc run{i}(logger *zap.Logger, msgs <-chan int) error {{\n\tx := 0\n\t_ = x\n\
                 \ttype result struct{{ n int }}\n\tvar out result\n\t_ = out\n\tresp, err := http.Get(\"u\")\n\
                 \tif err != nil {{\n\t\treturn err\n\t}}\n\tprintln(resp.StatusCode)\n\treturn nil\n}}\n"
            ));
        }
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let (first, full, _) = both(&text, &mut index, &mut cache);
        assert_eq!(first, full);
        let func = text.find("func run20(").unwrap();
        let mut version = text.clone();
        for (at, removed, inserted) in [(func, 0, "q"), (func, 1, "")] {
            version.replace_range(at..at + removed, inserted);
            let tree = parse(&version, None);
            let root = tree.root_node();
            let mut cursor = root.walk();
            let lifted = root
                .named_children(&mut cursor)
                .filter(|n| n.kind() == "var_declaration" && version[n.byte_range()].starts_with("var out"))
                .count();
            assert_eq!(
                lifted,
                usize::from(version != text),
                "the `var out` is lifted only while broken: {}",
                root.to_sexp()
            );
            let (inc, full, stats) = both(&version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ at a step:\n{version}");
            // Only the broken function's own items run: the header and the 39 other functions are
            // reused.
            assert!(stats.reused >= 41, "{stats:?}: the lifted `var out` re-ran the functions that mention it");
        }
        assert_eq!(version, text);
    }

    /// A broken `func` line lifts the function's `type Config` and `var req` to the top level. A fix
    /// that picks a fresh name (request-without-context avoids `req`) and costly-log-field's look-up
    /// of a type declared in the file read the file's top-level declarations of those names, for
    /// the code they judge: only the items holding that code run again, not every item that a full
    /// run analysed (which it did while those reads carried no position). Here `Config` is an
    /// integer, so costly-log-field asks the index nothing about its methods.
    #[test]
    fn a_lifted_declaration_reruns_only_the_items_whose_reads_it_changes() {
        assert_lifted_config_reruns_few("type Config int");
    }

    /// Like [`a_lifted_declaration_reruns_only_the_items_whose_reads_it_changes`], with a struct
    /// `Config`, which costly-log-field asks the index about (whether it has a `String` method and
    /// the like): the index records those questions with the code the rule judges, so a full run
    /// charges them to the item holding the log call alone. Without that position every item was
    /// charged with `Config`, and the lifted `type Config` re-ran the whole file.
    #[test]
    fn a_lifted_type_reruns_only_the_items_that_asked_the_index_about_it() {
        assert_lifted_config_reruns_few("type Config struct{ Name string }");
    }

    /// Analyses a file of a `logs` function that logs a package-level `cfg` of the type `config`
    /// declares, and 40 functions that each declare a local `type Config` and `var req`, then
    /// breaks the `func` line of one of them and repairs it: each step equals a full analysis and
    /// re-runs only the broken function's items, `logs` and `fetch`.
    fn assert_lifted_config_reruns_few(config: &str) {
        let mut text = String::from(
            "package a\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\n\t\"go.uber.org/zap\"\n)\n\n\
             var cfg Config\n\nCONFIG\n\n\
             func logs(logger *zap.Logger, msgs <-chan int) {\n\tfor range msgs {\n\t\tlogger.Info(\"cfg\", zap.Any(\"cfg\", cfg))\n\t}\n}\n\n\
             func fetch(ctx context.Context, u string) error {\n\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn err\n\t}\n\
             \treturn resp.Body.Close()\n}\n",
        )
        .replace("CONFIG", config);
        for i in 0..40 {
            text.push_str(&format!(
                "\nfunc run{i}(logger *zap.Logger, msgs <-chan int) error {{\n\tx := 0\n\t_ = x\n\ttype Config struct{{ n int }}\n\
                 \tvar req Config\n\t_ = req\n\tresp, err := http.Get(\"u\")\n\tif err != nil {{\n\t\treturn err\n\t}}\n\
                 \tprintln(resp.StatusCode)\n\treturn nil\n}}\n"
            ));
        }
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let (first, full, _) = both(&text, &mut index, &mut cache);
        assert_eq!(first, full);
        assert!(
            first.iter().any(|f| f.rule == "request-without-context" && !f.fixes.is_empty()),
            "no request-without-context fix"
        );
        let func = text.find("func run20(").unwrap();
        let mut version = text.clone();
        for (at, removed, inserted) in [(func, 0, "q"), (func, 1, "")] {
            version.replace_range(at..at + removed, inserted);
            let (inc, full, stats) = both(&version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ at a step:\n{version}");
            // The broken function's own items (or the function again), `logs` and `fetch` run; the
            // other 39 functions and the declarations are reused.
            assert!(stats.items - stats.reused <= 12, "{stats:?}: the lifted declarations re-ran unrelated items");
        }
        assert_eq!(version, text);
    }

    /// Rules that read the whole file about a name (here client-without-timeout, about
    /// `http.DefaultClient`) note the read for the code they judge: an edit of a function that
    /// mentions the name re-runs that function and the one whose call read about it, not every
    /// item that a full run analysed.
    #[test]
    fn a_read_about_a_name_reruns_only_the_item_that_made_it() {
        let mut text =
            String::from("package a\n\nimport \"net/http\"\n\nfunc get() {\n\thttp.Get(\"http://example.com\")\n}\n");
        for i in 0..30 {
            text.push_str(&format!("\nfunc use{i}() {{\n\tprintln(http.DefaultClient != nil)\n}}\n"));
        }
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let (first, full, _) = both(&text, &mut index, &mut cache);
        assert_eq!(first, full);
        assert!(first.iter().any(|f| f.rule == "client-without-timeout"), "no finding reads about DefaultClient");
        let body = text.find("func use12() {\n\tprintln(").unwrap() + "func use12() {\n\tprintln(".len();
        let mut version = text.clone();
        for (at, removed, inserted) in [(body, 0, "1, "), (body, 3, "")] {
            version.replace_range(at..at + removed, inserted);
            let (inc, full, stats) = both(&version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ at a step:\n{version}");
            assert!(stats.items - stats.reused <= 2, "{stats:?}: the edit re-ran the items that read nothing about it");
        }
        assert_eq!(version, text);
    }

    /// Analyses `before`, then `after` (an edit of one item that must change another item's
    /// findings of `rule`), then `before` again, with one cache: every step equals a full analysis.
    fn assert_cross_item(before: &str, after: &str, rule: &str) {
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let count = |f: &[Finding]| f.iter().filter(|f| f.rule == rule).count();
        let mut counts = Vec::new();
        for version in [before, after, before] {
            let (inc, full, _) = both(version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ:\n{version}");
            counts.push(count(&full));
        }
        assert_ne!(counts[0], counts[1], "the edit does not change the {rule} findings: the test tests nothing");
    }

    /// Like [`assert_cross_item`], for an edit that must change the fixes of `rule` (their titles
    /// and edits) in another item rather than how many findings there are.
    fn assert_cross_item_fixes(before: &str, after: &str, rule: &str) {
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let fixes = |f: &[Finding]| -> Vec<String> {
            f.iter()
                .filter(|f| f.rule == rule)
                .flat_map(|f| f.fixes.iter())
                .flat_map(|x| {
                    std::iter::once(x.title.clone())
                        .chain(x.edits.iter().map(|e| format!("{:?} {:?}", e.range, e.new_text)))
                })
                .collect()
        };
        let mut seen = Vec::new();
        for version in [before, after, before] {
            let (inc, full, _) = both(version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ:\n{version}");
            seen.push(fixes(&full));
        }
        assert!(!seen[0].is_empty(), "no {rule} fix: the test tests nothing");
        assert_ne!(seen[0], seen[1], "the edit does not change the {rule} fixes: the test tests nothing");
    }

    /// request-without-context names the request it builds with a name no top-level declaration
    /// uses, though the function that gets the fix need not mention that declaration.
    #[test]
    fn a_top_level_name_taken_elsewhere_reruns_the_fixes_that_avoid_it() {
        let before = "package a\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc f(ctx context.Context, u string) error {\n\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn resp.Body.Close()\n}\n\nvar x = 1\n";
        let after = before.replace("var x = 1", "var req = 1");
        assert_cross_item_fixes(before, &after, "request-without-context");
    }

    /// unbounded-read's fixes declare the size constant unless the file declares it already.
    #[test]
    fn declaring_the_size_constant_elsewhere_reruns_the_fixes_that_add_it() {
        let before = "package a\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc f(resp *http.Response) []byte {\n\tb, _ := io.ReadAll(resp.Body)\n\treturn b\n}\n\nconst other = 1\n";
        let after = before.replace("const other = 1", "const maxBodyBytes = 1 << 20");
        assert_cross_item_fixes(before, &after, "unbounded-read");
    }

    /// waitgroup-add-in-goroutine takes a receiver that is not declared anywhere for a wait group
    /// when the file calls `Wait()` on it, in any function.
    #[test]
    fn a_wait_call_in_another_function_reruns_the_goroutine() {
        let before = "package a\n\ntype S struct{ n int }\n\nfunc (s *S) run(items []int) {\n\tfor range items {\n\t\tgo func() {\n\t\t\ts.wg.Add(1)\n\t\t\tdefer s.wg.Done()\n\t\t}()\n\t}\n}\n\nfunc (s *S) stop() {\n\ts.wg.Done()\n}\n";
        let after = before.replace("\ts.wg.Done()\n}\n", "\ts.wg.Wait()\n}\n");
        assert_cross_item(before, &after, "waitgroup-add-in-goroutine");
    }

    /// client-without-timeout trusts `http.Get` once any function configures `http.DefaultClient`.
    #[test]
    fn configuring_the_default_client_elsewhere_reruns_its_calls() {
        let before = "package a\n\nimport \"net/http\"\n\nfunc get() {\n\thttp.Get(\"http://example.com\")\n}\n\nfunc setup() {\n}\n";
        let after = before.replace("func setup() {\n}", "func setup() {\n\thttp.DefaultClient.Timeout = 5\n}");
        assert_cross_item(before, &after, "client-without-timeout");
    }

    /// server-without-timeouts trusts a server kept in a field once any function sets its timeouts.
    #[test]
    fn configuring_a_field_server_elsewhere_reruns_its_literal() {
        let before = "package a\n\nimport \"net/http\"\n\ntype S struct{ srv *http.Server }\n\nfunc (s *S) start() {\n\ts.srv = &http.Server{Addr: \":8080\"}\n}\n\nfunc (s *S) tune() {\n}\n";
        let after = before.replace("func (s *S) tune() {\n}", "func (s *S) tune() {\n\ts.srv.ReadTimeout = 5\n}");
        assert_cross_item(before, &after, "server-without-timeouts");
    }

    /// unbounded-goroutines counts a constant declared at file level as a count (one declared in
    /// another function is out of scope and does not count).
    #[test]
    fn a_constant_declared_in_another_item_reruns_its_users() {
        let before = "package a\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc work() {}\n\nfunc spawn(c *gin.Context) {\n\tfor range workers {\n\t\tgo work()\n\t}\n}\n\nfunc other() {\n}\n";
        let after = before.replace("func other() {\n}", "const workers = 4");
        assert_cross_item(before, &after, "unbounded-goroutines");
    }

    /// `Source::field_types` finds the fields of struct types declared inside functions.
    #[test]
    fn a_local_struct_field_reruns_the_calls_on_it() {
        let before = "package a\n\nimport \"net/http\"\n\nfunc fetch(s *server) {\n\tresp, err := s.client.Get(\"http://example.com\")\n\tif err != nil {\n\t\treturn\n\t}\n\tprintln(resp.StatusCode)\n}\n\nfunc types() {\n\ttype server struct{ client *resty.Client }\n\t_ = server{}\n}\n";
        let after = before.replace("client *resty.Client", "client *http.Client");
        assert_cross_item(before, &after, "unclosed-body");
    }

    /// costly-log-field learns the kind of a type declared in the file from its declaration, which
    /// the judged item need not name: here through a package-level variable of that type.
    #[test]
    fn a_type_declared_elsewhere_reruns_the_log_calls_that_read_it() {
        let before = "package a\n\nimport \"go.uber.org/zap\"\n\nvar cfg Config\n\n\
            func run(logger *zap.Logger, msgs <-chan int) {\n\tfor range msgs {\n\t\tlogger.Info(\"cfg\", zap.Any(\"cfg\", cfg))\n\t}\n}\n\n\
            type Config struct{ Name string }\n";
        let after = before.replace("type Config struct{ Name string }", "type Config int");
        assert_cross_item(before, &after, "costly-log-field");
    }

    /// costly-log-field asks the index whether the logged type formats itself (`String` and the
    /// like), a question about a name the judged item need not mention: the method declared in
    /// another item must re-run the item that asked.
    #[test]
    fn a_string_method_declared_elsewhere_reruns_the_log_calls_that_asked_for_it() {
        let before = "package a\n\nimport \"go.uber.org/zap\"\n\nvar cfg Config\n\ntype Config struct{ Name string }\n\n\
            func run(logger *zap.Logger, msgs <-chan int) {\n\tfor range msgs {\n\t\tlogger.Info(\"cfg\", zap.Any(\"cfg\", cfg))\n\t}\n}\n\n\
            func other() {}\n";
        let after = before.replace("func other() {}", "func (c Config) String() string { return c.Name }");
        assert_cross_item(before, &after, "costly-log-field");
    }

    /// empty-filter asks the index which methods of the called name take a map where the call
    /// passes an empty one, for that call alone: a method of that name declared in another item
    /// re-runs the function that calls it (which mentions the name), not every item of the full
    /// run that asked.
    #[test]
    fn a_method_declared_elsewhere_reruns_only_the_calls_that_asked_for_it() {
        let mut before =
            String::from("package a\n\ntype Store struct{}\n\nfunc list(s *Store) {\n\ts.Find(map[string]any{})\n}\n");
        for i in 0..30 {
            before.push_str(&format!("\nfunc use{i}() {{\n\tprintln({i})\n}}\n"));
        }
        let after = format!("{before}\nfunc (s *Store) Find(filter map[string]any) {{}}\n");
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        let mut counts = Vec::new();
        for version in [&before, &after, &before] {
            let (inc, full, stats) = both(version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ:\n{version}");
            counts.push(full.iter().filter(|f| f.rule == "empty-filter").count());
            if counts.len() > 1 {
                assert!(stats.items - stats.reused <= 2, "{stats:?}: the method re-ran items that did not ask");
            }
        }
        assert_eq!(counts, [0, 1, 0], "the method does not change the empty-filter findings: the test tests nothing");
    }

    /// `go::declaration_of` resolves a name no function declares to the file's variables.
    #[test]
    fn a_package_variable_reruns_the_functions_that_resolve_it() {
        let before = "package a\n\nimport \"go.uber.org/zap\"\n\nvar p = Profile{}\n\n\
            func run(logger *zap.Logger, msgs <-chan int) {\n\tfor range msgs {\n\t\tlogger.Info(\"p\", zap.Any(\"p\", p))\n\t}\n}\n\n\
            type Profile struct{ Name string }\n\nfunc other() int { return 1 }\n";
        let after = before.replace("var p = Profile{}", "var p = other");
        assert_cross_item(before, &after, "costly-log-field");
    }

    /// unclosed-body classifies a client by its package-level bindings too.
    #[test]
    fn a_package_client_reruns_the_calls_on_it() {
        let before = "package a\n\nimport \"net/http\"\n\nvar client *resty.Client\n\n\
            func fetch() {\n\tresp, err := client.Get(\"http://example.com\")\n\tif err != nil {\n\t\treturn\n\t}\n\tprintln(resp.StatusCode)\n}\n";
        let after = before.replace("var client *resty.Client", "var client *http.Client");
        assert_cross_item(before, &after, "unclosed-body");
    }

    /// A broken `func` line lifts the function's statements to the top level, where
    /// `go::declaration_of` resolves names to the `:=` statements before them, which declare no
    /// names for the cache: here a variable that shadows the `http` package.
    #[test]
    fn a_lifted_declaration_reruns_the_lifted_statements_that_resolve_it() {
        let before = "package a\n\nimport \"net/http\"\n\n\
            qfunc serve(logger *zap.Logger, msgs <-chan int) {\n\tx := 2\n\thttp := 1\n\t_ = x\n\thttp.ListenAndServe(\":8080\", nil)\n}\n\nfunc other() {}\n";
        let tree = parse(before, None);
        let root = tree.root_node();
        let mut cursor = root.walk();
        let items: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
        let item_of = |needle: &str| {
            let at = before.find(needle).unwrap();
            items.iter().position(|n| n.byte_range().contains(&at))
        };
        let lifted = items[item_of("http := 1").unwrap()];
        assert_eq!((lifted.kind(), &before[lifted.byte_range()]), ("short_var_declaration", "http := 1"), "not lifted");
        assert_ne!(item_of("http := 1"), item_of("http.Listen"), "the call is not an item of its own");
        let after = before.replace("http := 1", "htt := 1");
        assert_cross_item(before, &after, "server-without-timeouts");
    }

    /// unbounded-goroutines' errgroup fix deletes the `sync` import when nothing outside the lines
    /// it removes uses the package, in any function of the file.
    #[test]
    fn the_last_other_use_of_sync_reruns_the_fix_that_may_delete_its_import() {
        let before = "package a\n\nimport (\n\t\"sync\"\n)\n\nfunc f(ids []string) {\n\tvar wg sync.WaitGroup\n\
            \tfor _, id := range ids {\n\t\twg.Add(1)\n\t\tgo func() {\n\t\t\tdefer wg.Done()\n\t\t\tuse(id)\n\t\t}()\n\t}\n\
            \twg.Wait()\n}\n\nfunc other() {\n\tvar mu sync.Mutex\n\t_ = mu\n}\n";
        let after = before.replace("var mu sync.Mutex", "var mu int");
        assert_cross_item_fixes(before, &after, "unbounded-goroutines");
    }

    /// long-timeout follows a constant to the constants its value names, which the item that uses
    /// the first one need not mention.
    #[test]
    fn a_chained_constant_reruns_the_timeouts_that_reach_it() {
        let before = "package a\n\nimport (\n\t\"context\"\n\t\"time\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n\n\
            func h(c *gin.Context) {\n\tctx, cancel := context.WithTimeout(c.Request.Context(), timeout)\n\
            \tdefer cancel()\n\t_ = ctx\n}\n\nconst timeout = base\n\nconst base = 1 * time.Second\n";
        let after = before.replace("const base = 1 * time.Second", "const base = 60 * time.Second");
        assert_cross_item(before, &after, "long-timeout");
    }

    /// unclosed-body classifies a client by the bindings of its name in the package-level `var`
    /// declarations, where another variable's value may hold a function literal that declares a
    /// variable of the same name. That one is local to the literal: counting it made the finding
    /// depend on another declaration than those of the name, and an edit inside the literal left
    /// the finding stale in the server. Incremental and full analysis must agree through the edit
    /// and its undo (the edit changes no finding now, so this does not use [`assert_cross_item`]).
    #[test]
    fn a_binding_inside_another_package_variable_is_no_cross_item_read() {
        let before = "package a\n\nimport \"net/http\"\n\nvar setup = func() {\n\tclient := &http.Client{}\n\t_ = client\n}\n\n\
            func fetch(u string) {\n\tresp, err := client.Get(u)\n\tif err != nil {\n\t\treturn\n\t}\n\tprintln(resp.Proto)\n}\n";
        let after = before.replace("client := &http.Client{}\n\t_ = client", "c := &http.Client{}\n\t_ = c");
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        for version in [before, &after, before] {
            let (inc, full, _) = both(version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ:\n{version}");
        }
    }

    /// A syntax error that swallows several functions (here a `q` typed before a `func` keyword)
    /// can make the root of the tree an ERROR node instead of a `source_file`. `go::declaration_of`
    /// took only a `source_file` for the file's scope, so with an ERROR root it no longer resolved
    /// `cfg` to the package-level `var` and costly-log-field dropped its finding in `logs`, an
    /// item the edit did not touch: the incremental run kept it. Incremental and full analysis
    /// must agree through the edit and its undo (the finding now stays, so this does not use
    /// [`assert_cross_item`]).
    #[test]
    fn a_syntax_error_that_turns_the_root_into_an_error_keeps_the_file_scope() {
        let mut before = String::from(
            "package a\n\nimport \"go.uber.org/zap\"\n\nvar cfg Config\n\ntype Config struct{ Name string }\n\n\
             func logs(logger *zap.Logger, msgs <-chan int) {\n\tfor range msgs {\n\t\tlogger.Info(\"cfg\", zap.Any(\"cfg\", cfg))\n\t}\n}\n",
        );
        for i in 0..3 {
            before.push_str(&format!(
                "\nfunc run{i}(logger *zap.Logger, msgs <-chan int) error {{\n\ttype Config struct{{ n int }}\n\
                 \tvar req Config\n\t_ = req\n\treturn nil\n}}\n"
            ));
        }
        let mut after = before.clone();
        after.insert(before.find("func run0(").unwrap(), 'q');
        assert_eq!(parse(&after, None).root_node().kind(), "ERROR", "the root is no ERROR: the test tests nothing");
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        for version in [&before, &after, &before] {
            let (inc, full, _) = both(version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ:\n{version}");
            assert_eq!(full.iter().filter(|f| f.rule == "costly-log-field").count(), 1, "{version}");
        }
    }

    /// Under an ERROR root (see above), unclosed-body walked the whole root for the package-level
    /// bindings of a client's name, so another function's local `client` decided the finding in
    /// `fetch`, a read that no note covered: editing that local left the finding stale.
    #[test]
    fn another_functions_local_under_an_error_root_is_no_cross_item_read() {
        let mut before = String::from(
            "package p\n\nimport (\n\t\"net/http\"\n\n\t\"github.com/go-resty/resty/v2\"\n)\n\n\
             var api = &http.Client{}\n\nfunc fetch(u string) {\n\tresp, err := api.Get(u)\n\tif err != nil {\n\
             \t\treturn\n\t}\n\tprintln(resp.Proto)\n}\n",
        );
        // Items between the edited one and `fetch`, so that no focused run of neighbours re-runs
        // `fetch` with the edited item (the package variable's item reads the file about `api`).
        before.push_str(
            "\nfunc pad0() {}\n\nfunc pad1() {}\n\nfunc pad2() {}\n\nfunc other() {\n\tc := resty.New()\n\t_ = c\n}\n",
        );
        for i in 0..3 {
            before.push_str(&format!(
                "\nqfunc run{i}(logger *zap.Logger, msgs <-chan int) error {{\n\ttype Config struct{{ n int }}\n\
                 \tvar req Config\n\t_ = req\n\treturn nil\n}}\n"
            ));
        }
        assert_eq!(parse(&before, None).root_node().kind(), "ERROR", "the root is no ERROR: the test tests nothing");
        let after = before.replace("c := resty.New()\n\t_ = c", "api := resty.New()\n\t_ = api");
        let mut index = workspace_index(&[]);
        let mut cache = Cache::default();
        for version in [&before, &after, &before] {
            let (inc, full, _) = both(version, &mut index, &mut cache);
            assert_eq!(inc, full, "incremental and full analysis differ:\n{version}");
            assert_eq!(full.iter().filter(|f| f.rule == "unclosed-body").count(), 1, "{version}");
        }
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
