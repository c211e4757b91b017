//! The workspace index: declarations of functions, methods and interface methods by name, across
//! files and packages, so a rule can look at a callee's parameters (`empty-filter`) and, later,
//! follow calls across files.
//!
//! Architecture invariant: the index holds only what `declarations` extracts from syntax; it is
//! rebuilt per file (`set_file`) and knows nothing of paths beyond the opaque key it is given.

use std::collections::HashMap;

use super::go::visit_all;
use super::Source;

/// One declared function, method or interface method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncDecl {
    pub name: Text,
    /// The package clause of the file that declares it.
    pub package: Text,
    /// The receiver's type name without `*` for methods, the interface's name for interface
    /// methods, `None` for functions.
    pub receiver: Option<Text>,
    /// The parameter names, then their types, then the result types (see [`FuncDecl::params`],
    /// [`FuncDecl::types`] and [`FuncDecl::results`]). One allocation rather than three lists:
    /// `check` holds every declaration of the workspace until its second pass ends, and three
    /// vectors made a declaration 120 bytes and three allocations, most of them of one or two
    /// entries.
    signature: Box<[Text]>,
    /// How many parameters `signature` starts with (and then as many types).
    params: u32,
}

/// A name or type as a declaration spells it. Shared: the index of a workspace holds the same
/// packages, types and parameter names (`ctx`, `context.Context`, `error`) thousands of times,
/// and [`Index::set_file`] keeps one copy of each.
pub type Text = std::sync::Arc<str>;

impl FuncDecl {
    /// A declaration with `params` and `types` of the same length.
    pub fn new(
        name: Text,
        package: Text,
        receiver: Option<Text>,
        params: Vec<Text>,
        types: Vec<Text>,
        results: Vec<Text>,
    ) -> FuncDecl {
        debug_assert_eq!(params.len(), types.len());
        let count = params.len() as u32;
        let mut signature = Vec::with_capacity(params.len() + types.len() + results.len());
        signature.extend(params.into_iter().chain(types).chain(results));
        FuncDecl { name, package, receiver, signature: signature.into_boxed_slice(), params: count }
    }

    /// Parameter names in order; an unnamed parameter is the empty string.
    pub fn params(&self) -> &[Text] {
        &self.signature[..self.params as usize]
    }

    /// The declared type of each parameter, as written (same length as `params`). A variadic
    /// parameter's type starts with `...`, as in `...map[string]string`.
    pub fn types(&self) -> &[Text] {
        &self.signature[self.params as usize..2 * self.params as usize]
    }

    /// The result types as written, one per result (`(*Claims, error)` gives two).
    pub fn results(&self) -> &[Text] {
        &self.signature[2 * self.params as usize..]
    }

    /// Whether the last parameter is variadic.
    pub fn is_variadic(&self) -> bool {
        self.types().last().is_some_and(|t| t.starts_with("..."))
    }

    /// The parameter (name and type) that receives the argument at `pos` (0-based, receiver not
    /// counted): a variadic parameter receives every argument from its position on.
    pub fn param_at(&self, pos: usize) -> Option<(&str, &str)> {
        let i = if self.is_variadic() { pos.min(self.params().len().saturating_sub(1)) } else { pos };
        Some((self.params().get(i)?, self.types().get(i)?))
    }

    /// Replaces each name and type with `share`'s copy of it. The index shares the texts of the
    /// declarations it is given ([`Index::set_file`]), but `check` extracts the declarations of
    /// every file before it indexes any: sharing them as they are extracted keeps one copy of each
    /// instead of one per mention until then, which was the run's memory peak.
    pub fn share_texts(&mut self, mut share: impl FnMut(&Text) -> Text) {
        let mut one = |t: &mut Text| *t = share(t);
        one(&mut self.name);
        one(&mut self.package);
        self.receiver.iter_mut().for_each(&mut one);
        self.signature.iter_mut().for_each(&mut one);
    }

    /// Whether a call with `args` arguments can call this declaration.
    pub fn accepts(&self, args: usize) -> bool {
        if self.is_variadic() {
            args + 1 >= self.params().len()
        } else {
            args == self.params().len()
        }
    }
}

/// One question a rule asked the index. A checker of many files records the questions asked while
/// the index held only the file's own declarations; once the workspace index is complete, the file
/// needs its index rules run again only if another file adds to an answer (see
/// [`Index::answered_by_file_alone`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lookup {
    /// Every declaration of the name ([`Index::functions`]).
    Name(String),
    /// The methods of the name on one receiver type ([`Index::methods`]).
    Method { name: String, receiver: String },
    /// The package-level functions of the name in one package ([`Index::package_functions`]).
    Function { name: String, package: String },
    /// The methods of the name on any type.
    AnyMethod(String),
    /// The declarations `of` admits that a call with `nargs` arguments (`spread` when the last one
    /// is spread with `...`) can call and that take a map at argument position `pos`.
    MapParam { of: Box<Lookup>, pos: usize, nargs: usize, spread: bool },
}

impl Lookup {
    /// The declared name the question is about.
    pub fn name(&self) -> &str {
        match self {
            Lookup::Name(name) | Lookup::AnyMethod(name) => name,
            Lookup::Method { name, .. } | Lookup::Function { name, .. } => name,
            Lookup::MapParam { of, .. } => of.name(),
        }
    }

    /// The package the question keeps functions of, if it keeps only one package's.
    fn package(&self) -> Option<&str> {
        match self {
            Lookup::Function { package, .. } => Some(package),
            Lookup::MapParam { of, .. } => of.package(),
            Lookup::Name(_) | Lookup::Method { .. } | Lookup::AnyMethod(_) => None,
        }
    }

    /// Whether the declaration is part of this question's answer.
    fn admits(&self, d: &FuncDecl) -> bool {
        match self {
            Lookup::Name(name) => *d.name == **name,
            Lookup::Method { name, receiver } => *d.name == **name && d.receiver.as_deref() == Some(receiver.as_str()),
            Lookup::Function { name, package } => *d.name == **name && *d.package == **package && d.receiver.is_none(),
            Lookup::AnyMethod(name) => *d.name == **name && d.receiver.is_some(),
            Lookup::MapParam { of, pos, nargs, spread } => {
                of.admits(d)
                    && (*spread || d.accepts(*nargs))
                    && d.param_at(*pos).is_some_and(|(_, ty)| ty.trim_start_matches("...").starts_with("map["))
            }
        }
    }
}

/// A question asked of the index, with the offset of the code the asking rule said it judges.
type Asked = (Lookup, Option<usize>);

thread_local! {
    /// The questions asked on this thread inside [`recording`], if one is running, each with the
    /// code the asking rule said it judges (see [`recording_at`]).
    static RECORDING: std::cell::RefCell<Option<Vec<Asked>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` and returns what it returned with the index questions asked meanwhile on this thread,
/// sorted and without repeats.
pub fn recording<R>(f: impl FnOnce() -> R) -> (R, Vec<Lookup>) {
    let (out, asked) = recording_at(f);
    // Sorted by question first, so the repeats that the positions kept apart are neighbours.
    let mut asked: Vec<Lookup> = asked.into_iter().map(|(l, _)| l).collect();
    asked.dedup();
    (out, asked)
}

/// Like [`recording`], each question with the byte offset of the code the asking rule said it
/// judges ([`super::Source::judging`]), if it said so: the incremental cache charges such a
/// question to the item that holds that code, not to every item of a full run.
pub(crate) fn recording_at<R>(f: impl FnOnce() -> R) -> (R, Vec<Asked>) {
    record_on(&RECORDING, f)
}

/// Runs `f` with `slot` (a thread's recording of something: index questions, whole-file reads)
/// started empty, and returns what `f` returned with what was recorded meanwhile, sorted and
/// without repeats.
pub(crate) fn record_on<T: Ord, R>(
    slot: &'static std::thread::LocalKey<std::cell::RefCell<Option<Vec<T>>>>,
    f: impl FnOnce() -> R,
) -> (R, Vec<T>) {
    /// Stops the recording even if `f` unwinds, so a later recording starts empty.
    struct Stop<T: 'static>(&'static std::thread::LocalKey<std::cell::RefCell<Option<Vec<T>>>>);
    impl<T> Drop for Stop<T> {
        fn drop(&mut self) {
            self.0.with(|r| r.borrow_mut().take());
        }
    }
    slot.with(|r| *r.borrow_mut() = Some(Vec::new()));
    let stop = Stop(slot);
    let out = f();
    let mut asked = slot.with(|r| r.borrow_mut().take()).unwrap_or_default();
    drop(stop);
    asked.sort();
    asked.dedup();
    (out, asked)
}

fn record(lookup: impl FnOnce() -> Lookup) {
    RECORDING.with(|r| {
        if let Some(asked) = r.borrow_mut().as_mut() {
            asked.push((lookup(), super::source::judged()));
        }
    });
}

/// How many files the index sets between two prunings of its shared texts.
const PRUNE_TEXTS_EVERY: usize = 4096;

/// An empty index, for analyses that have none.
pub static NO_INDEX: std::sync::LazyLock<Index> = std::sync::LazyLock::new(Index::default);

#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Each file's declarations, in the slot `slots` gives its key. A removed file's slot is empty
    /// until another file takes it.
    files: Vec<Option<Vec<FuncDecl>>>,
    slots: HashMap<String, u32>,
    free: Vec<u32>,
    /// Every declaration of a name, as (slot, position in the file's declarations). A slot rather
    /// than the file's key: `check` indexes every declaration of the workspace, and a copy of the
    /// path per declaration was a fifth of the index.
    by_name: HashMap<String, Vec<(u32, u32)>>,
    /// Bumped whenever a declaration changes, so cached findings that may depend on other files
    /// know when to be recomputed. Typing inside a function body does not change it.
    generation: u64,
    /// How many of those changes each file made, so a file's cache can leave out its own changes
    /// (see [`Index::generation_except`]).
    changes: HashMap<String, u64>,
    /// One shared copy of every name and type the declarations spell (see [`Text`]).
    texts: std::collections::HashSet<Text>,
    /// Files set since the texts no declaration holds any more were last dropped.
    sets_since_pruning: usize,
    /// For a file analysed before the workspace index is complete: the outline of the workspace
    /// and the file's id in it. Answers then take the other files' declarations from the outline,
    /// in file order around this index's own.
    outline: Option<(std::sync::Arc<super::outline::Outline>, u32)>,
}

impl Index {
    /// Replaces what the index knows of the file `key` (a path or URI).
    pub fn set_file(&mut self, key: &str, mut decls: Vec<FuncDecl>) {
        if self.decls_of(key) == Some(&decls) {
            return;
        }
        self.share_texts(&mut decls);
        self.unlink(key);
        self.generation += 1;
        *self.changes.entry(key.to_string()).or_default() += 1;
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.files.push(None);
                // More than four billion files are beyond any workspace.
                (self.files.len() - 1) as u32
            }
        };
        for (i, d) in decls.iter().enumerate() {
            match self.by_name.get_mut(&*d.name) {
                Some(list) => list.push((slot, i as u32)),
                None => {
                    self.by_name.insert(d.name.to_string(), vec![(slot, i as u32)]);
                }
            }
        }
        self.slots.insert(key.to_string(), slot);
        self.files[slot as usize] = Some(decls);
    }

    /// Replaces each name and type of `decls` with the index's copy of it. A language server sets
    /// a file on every keystroke that changes a declaration, so now and then the copies that no
    /// declaration holds any more are dropped.
    fn share_texts(&mut self, decls: &mut [FuncDecl]) {
        self.sets_since_pruning += 1;
        if self.sets_since_pruning >= PRUNE_TEXTS_EVERY {
            self.sets_since_pruning = 0;
            self.texts.retain(|t| std::sync::Arc::strong_count(t) > 1);
        }
        let texts = &mut self.texts;
        for d in decls {
            d.share_texts(|t| match texts.get(&**t) {
                Some(shared) => shared.clone(),
                None => {
                    texts.insert(t.clone());
                    t.clone()
                }
            });
        }
    }

    /// The declarations the index holds for the file `key`.
    fn decls_of(&self, key: &str) -> Option<&Vec<FuncDecl>> {
        let slot = *self.slots.get(key)?;
        self.files.get(slot as usize)?.as_ref()
    }

    /// What the index holds of the file `key`.
    pub fn file(&self, key: &str) -> Option<&[FuncDecl]> {
        self.decls_of(key).map(Vec::as_slice)
    }

    pub fn remove_file(&mut self, key: &str) {
        if self.unlink(key) {
            self.generation += 1;
            // Forgetting the file's count makes its next `generation_except` differ, which is safe
            // (its cache starts afresh) and keeps the map as small as the index.
            self.changes.remove(key);
        }
    }

    /// Takes the file's declarations out of the maps; whether it had any entry.
    fn unlink(&mut self, key: &str) -> bool {
        let Some(slot) = self.slots.remove(key) else { return false };
        let Some(old) = self.files.get_mut(slot as usize).and_then(Option::take) else { return false };
        self.free.push(slot);
        for d in old {
            if let Some(list) = self.by_name.get_mut(&*d.name) {
                list.retain(|(s, _)| *s != slot);
                if list.is_empty() {
                    self.by_name.remove(&*d.name);
                }
            }
        }
        true
    }

    /// Every declaration named `name`, in no particular order.
    pub fn functions<'s>(&'s self, name: &str) -> impl Iterator<Item = &'s FuncDecl> + 's {
        record(|| Lookup::Name(name.to_string()));
        self.named(name, None)
    }

    /// The methods and interface methods named `name` whose receiver type is `receiver`.
    pub fn methods<'s>(&'s self, name: &str, receiver: &'s str) -> impl Iterator<Item = &'s FuncDecl> + 's {
        record(|| Lookup::Method { name: name.to_string(), receiver: receiver.to_string() });
        self.named(name, None).filter(move |d| d.receiver.as_deref() == Some(receiver))
    }

    /// The package-level functions named `name` declared in package `package`.
    pub fn package_functions<'s>(&'s self, name: &str, package: &'s str) -> impl Iterator<Item = &'s FuncDecl> + 's {
        record(|| Lookup::Function { name: name.to_string(), package: package.to_string() });
        self.named(name, Some(package)).filter(move |d| &*d.package == package && d.receiver.is_none())
    }

    /// The declarations `lookup` admits, without recording the question: for a rule that asks
    /// a narrower one with [`Index::asked`] once it knows what the answer decided.
    pub fn candidates<'s>(&'s self, lookup: &'s Lookup) -> impl Iterator<Item = &'s FuncDecl> + 's {
        self.named(lookup.name(), lookup.package()).filter(|d| lookup.admits(d))
    }

    /// Records `lookup` as asked (see [`recording`]): only declarations it admits, added by other
    /// files, could change what the rule concluded.
    pub fn asked(&self, lookup: Lookup) {
        record(|| lookup);
    }

    /// Every declaration named `name`; with `package`, the caller keeps only that package's, so
    /// the outline may leave the other packages' files unparsed.
    fn named<'s>(&'s self, name: &str, package: Option<&str>) -> Box<dyn Iterator<Item = &'s FuncDecl> + 's> {
        let own = self.by_name.get(name).into_iter().flatten().filter_map(|&(slot, i)| self.decl(slot, i));
        let Some((outline, me)) = &self.outline else { return Box::new(own) };
        // The order of a complete index, which holds the files in order: a rule that takes the
        // first of several answers must take the same one.
        let (before, after): (Vec<u32>, Vec<u32>) =
            outline.declaring(name).filter(|id| id != me).partition(|id| id < me);
        let mut all: Vec<&'s FuncDecl> = Vec::new();
        for id in before {
            outline.decls_named(id, name, package, &mut all);
        }
        all.extend(own);
        for id in after {
            outline.decls_named(id, name, package, &mut all);
        }
        Box::new(all.into_iter())
    }

    fn decl(&self, slot: u32, i: u32) -> Option<&FuncDecl> {
        self.files.get(slot as usize)?.as_ref()?.get(i as usize)
    }

    /// Whether every answer to `lookups` comes from the file `key` alone, so that an analysis that
    /// asked them of an index holding only that file's declarations got the same answers as it
    /// would get from this one.
    pub fn answered_by_file_alone(&self, key: &str, lookups: &[Lookup]) -> bool {
        let own = self.slots.get(key).copied();
        lookups.iter().all(|l| {
            self.by_name
                .get(l.name())
                .into_iter()
                .flatten()
                .all(|&(slot, i)| Some(slot) == own || self.decl(slot, i).is_none_or(|d| !l.admits(d)))
        })
    }

    /// An index of one file's declarations.
    pub fn of_file(key: &str, decls: Vec<FuncDecl>) -> Index {
        let mut index = Index::default();
        index.set_file(key, decls);
        index
    }

    /// This index of one file's declarations, completed by the outline of the workspace, where the
    /// file has the id `id` (see [`super::outline`]).
    pub fn with_outline(mut self, outline: std::sync::Arc<super::outline::Outline>, id: u32) -> Index {
        self.outline = Some((outline, id));
        self
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The generation counting only the changes of files other than `key`. A file's cache keys on
    /// this: its own declarations are part of its text, and a change of one re-runs the items that
    /// mention or looked up its name, not the whole file.
    pub fn generation_except(&self, key: &str) -> u64 {
        self.generation - self.changes.get(key).copied().unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.files.iter().flatten().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The ids of the fields the declarations read. `child_by_field_name` searches the grammar's
/// field names by string on every call, and the index asks several per function of every file.
struct Fields {
    /// Non-zero, as `children_by_field_id` takes it.
    name: std::num::NonZeroU16,
    parameters: u16,
    receiver: u16,
    result: u16,
    type_: u16,
}

static FIELDS: std::sync::LazyLock<Fields> = std::sync::LazyLock::new(|| {
    let id = super::go::field_id;
    Fields {
        name: std::num::NonZeroU16::new(id("name")).expect("field ids start at 1"),
        parameters: id("parameters"),
        receiver: id("receiver"),
        result: id("result"),
        type_: id("type"),
    }
});

/// The names and declared types of a parameter list, one entry per parameter.
fn param_names(src: &Source<'_>, list: Option<tree_sitter::Node<'_>>) -> (Vec<Text>, Vec<Text>) {
    let mut out = Vec::new();
    let mut types = Vec::new();
    let Some(list) = list else { return (out, types) };
    let mut cursor = list.walk();
    for decl in list.named_children(&mut cursor) {
        if !matches!(decl.kind(), "parameter_declaration" | "variadic_parameter_declaration") {
            continue;
        }
        let mut c2 = decl.walk();
        let names: Vec<Text> =
            decl.children_by_field_id(FIELDS.name, &mut c2).map(|n| Text::from(src.text_of(n))).collect();
        let ty = decl.child_by_field_id(FIELDS.type_).map(|t| src.text_of(t)).unwrap_or("");
        let ty: Text =
            if decl.kind() == "variadic_parameter_declaration" { format!("...{ty}").into() } else { ty.into() };
        let count = names.len().max(1);
        if names.is_empty() {
            out.push(Text::from(""));
        } else {
            out.extend(names);
        }
        types.extend(std::iter::repeat_n(ty, count));
    }
    (out, types)
}

fn receiver_type(src: &Source<'_>, recv: tree_sitter::Node<'_>) -> Option<Text> {
    let decl = recv.named_child(0)?;
    let mut ty = decl.child_by_field_id(FIELDS.type_)?;
    if ty.kind() == "pointer_type" {
        ty = ty.named_child(0)?;
    }
    if ty.kind() == "generic_type" {
        ty = ty.child_by_field_id(FIELDS.type_)?;
    }
    Some(src.text_of(ty).into())
}

/// The result types of a signature's `result` field, one per result.
fn result_types(src: &Source<'_>, result: Option<tree_sitter::Node<'_>>) -> Vec<Text> {
    let Some(result) = result else { return Vec::new() };
    if result.kind() != "parameter_list" {
        return vec![src.text_of(result).into()];
    }
    let (names, types) = param_names(src, Some(result));
    debug_assert_eq!(names.len(), types.len());
    types
}

/// The name in the file's package clause.
pub fn package_name(src: &Source<'_>) -> String {
    let root = src.root();
    let mut cursor = root.walk();
    let clause = root.named_children(&mut cursor).find(|n| n.kind() == "package_clause");
    clause.and_then(|c| c.named_child(0)).map(|n| src.text_of(n).to_string()).unwrap_or_default()
}

/// Extracts the declarations of one file.
pub fn declarations(src: &Source<'_>) -> Vec<FuncDecl> {
    let root = src.root();
    let package = package_name(src);
    let mut out = Vec::new();
    // Functions and methods are always top-level; interface methods live in top-level type
    // declarations. Walking only those keeps this cheap enough to run on every keystroke.
    let mut cursor = root.walk();
    for item in root.named_children(&mut cursor) {
        item_declarations(src, item, &package, &mut out);
    }
    out
}

/// Appends the declarations of one top-level item of the file (nothing for most kinds), so a
/// caller that caches them per item can extract only the items that changed.
pub fn item_declarations(src: &Source<'_>, item: tree_sitter::Node<'_>, package: &str, out: &mut Vec<FuncDecl>) {
    let mut visit = |n: tree_sitter::Node<'_>| {
        let (name, receiver, params) = match n.kind() {
            "function_declaration" => {
                (n.child_by_field_id(FIELDS.name.get()), None, n.child_by_field_id(FIELDS.parameters))
            }
            "method_declaration" => (
                n.child_by_field_id(FIELDS.name.get()),
                n.child_by_field_id(FIELDS.receiver).and_then(|r| receiver_type(src, r)),
                n.child_by_field_id(FIELDS.parameters),
            ),
            "method_elem" => {
                // An interface method: the receiver is the interface's type name.
                let iface = n.parent().and_then(|i| i.parent()).filter(|t| t.kind() == "type_spec");
                let iface_name =
                    iface.and_then(|t| t.child_by_field_id(FIELDS.name.get())).map(|x| Text::from(src.text_of(x)));
                (n.child_by_field_id(FIELDS.name.get()), iface_name, n.child_by_field_id(FIELDS.parameters))
            }
            _ => return,
        };
        let Some(name) = name else { return };
        let (params, types) = param_names(src, params);
        let results = result_types(src, n.child_by_field_id(FIELDS.result));
        out.push(FuncDecl::new(src.text_of(name).into(), package.into(), receiver, params, types, results));
    };
    match item.kind() {
        "function_declaration" | "method_declaration" => visit(item),
        "type_declaration" => visit_all(item, &mut visit),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The declarations of one file's text.
    fn decls(text: &str) -> Vec<FuncDecl> {
        let tree = parse(text, None);
        declarations(&Source::new(text, &tree))
    }

    /// Two files spelling the same package, type and parameter name hold one copy of each.
    #[test]
    fn declarations_share_their_texts() {
        let mut index = Index::default();
        index.set_file("a.go", decls("package p\nfunc A(ctx context.Context) error { return nil }\n"));
        index.set_file("b.go", decls("package p\nfunc B(ctx context.Context) error { return nil }\n"));
        let a = index.functions("A").next().unwrap();
        let b = index.functions("B").next().unwrap();
        assert!(std::sync::Arc::ptr_eq(&a.package, &b.package));
        assert!(std::sync::Arc::ptr_eq(&a.params()[0], &b.params()[0]));
        assert!(std::sync::Arc::ptr_eq(&a.types()[0], &b.types()[0]));
        assert!(std::sync::Arc::ptr_eq(&a.results()[0], &b.results()[0]));
    }

    /// Declarations shared as they are extracted, before any index holds them, hold one copy of
    /// each text, and the index keeps those copies.
    #[test]
    fn declarations_share_their_texts_before_the_index() {
        let mut seen = std::collections::HashSet::<Text>::new();
        let mut share = |t: &Text| match seen.get(&**t) {
            Some(shared) => shared.clone(),
            None => {
                seen.insert(t.clone());
                t.clone()
            }
        };
        let mut a = decls("package p\nfunc A(ctx context.Context) error { return nil }\n");
        let mut b = decls("package p\nfunc B(ctx context.Context) error { return nil }\n");
        a.iter_mut().chain(&mut b).for_each(|d| d.share_texts(&mut share));
        assert!(std::sync::Arc::ptr_eq(&a[0].types()[0], &b[0].types()[0]));
        assert!(std::sync::Arc::ptr_eq(&a[0].results()[0], &b[0].results()[0]));
        let (package, ctx) = (a[0].package.clone(), a[0].params()[0].clone());
        let mut index = Index::default();
        index.set_file("a.go", a);
        index.set_file("b.go", b);
        let b = index.functions("B").next().unwrap();
        assert!(std::sync::Arc::ptr_eq(&b.package, &package));
        assert!(std::sync::Arc::ptr_eq(&b.params()[0], &ctx));
    }

    fn strs(texts: &[Text]) -> Vec<&str> {
        texts.iter().map(|t| &**t).collect()
    }
    use crate::analysis::parse;

    #[test]
    fn functions_methods_and_interface_methods_are_indexed_and_replaced() {
        let text = "package toolbox\n\
            func GetInfo(userID, scope string, filter map[string]string) {}\n\
            func (s *Store) Find(ctx context.Context, where map[string]any, _ int) {}\n\
            type Finder interface { Find(ctx context.Context, query map[string]any) error }\n";
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let mut index = Index::default();
        index.set_file("a.go", declarations(&src));
        let get: Vec<_> = index.functions("GetInfo").collect();
        assert_eq!(strs(get[0].params()), ["userID", "scope", "filter"]);
        assert_eq!(strs(get[0].types()), ["string", "string", "map[string]string"]);
        assert_eq!(&*get[0].package, "toolbox");
        assert!(get[0].accepts(3) && !get[0].accepts(2));
        assert!(get[0].results().is_empty());
        let mut finds: Vec<_> =
            index.functions("Find").map(|d| (d.receiver.as_deref().unwrap().to_string(), strs(d.params()))).collect();
        finds.sort();
        assert_eq!(finds[0], ("Finder".to_string(), vec!["ctx", "query"]));
        assert_eq!(finds[1], ("Store".to_string(), vec!["ctx", "where", "_"]));
        let text = "package store\nfunc Find(int, ...map[string]any) {}\n";
        let tree = parse(text, None);
        let variadic = declarations(&Source::new(text, &tree)).remove(0);
        assert_eq!(strs(variadic.params()), ["", ""]);
        assert_eq!(strs(variadic.types()), ["int", "...map[string]any"]);
        assert!(variadic.accepts(1) && variadic.accepts(4));
        assert_eq!(variadic.param_at(3), Some(("", "...map[string]any")));
        index.set_file("a.go", Vec::new());
        assert!(index.is_empty());
        assert_eq!(index.functions("GetInfo").count(), 0);
    }

    #[test]
    fn a_removed_file_leaves_nothing_behind_and_its_slot_serves_the_next() {
        let mut index = Index::default();
        index.set_file("a.go", decls("package a\nfunc F() {}\nfunc G() {}\n"));
        index.set_file("b.go", decls("package b\nfunc F(x int) {}\n"));
        let asked = [Lookup::Name("F".into())];
        assert!(!index.answered_by_file_alone("a.go", &asked));
        index.remove_file("b.go");
        assert!(index.answered_by_file_alone("a.go", &asked));
        assert!(!index.answered_by_file_alone("b.go", &asked), "b.go is gone: a.go answers it");
        index.set_file("c.go", decls("package c\nfunc F(x, y int) {}\n"));
        let mut packages: Vec<_> = index.functions("F").map(|d| (&*d.package, d.params().len())).collect();
        packages.sort();
        assert_eq!(packages, [("a", 0), ("c", 2)]);
        assert_eq!(index.len(), 3);
        index.set_file("a.go", decls("package a\nfunc G() {}\n"));
        assert_eq!(index.functions("F").map(|d| &*d.package).collect::<Vec<_>>(), ["c"]);
        assert!(index.answered_by_file_alone("c.go", &asked));
    }
}
