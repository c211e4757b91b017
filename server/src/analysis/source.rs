use std::collections::HashMap;
use std::rc::Rc;

use super::index::{Index, NO_INDEX};
use super::FileInfo;
use crate::rules::{self, AllMatches, Match};

use tree_sitter::{Node, Tree};

/// One file under analysis: the text, its tree, and facts about it that several rules need.
pub struct Source<'a> {
    pub text: &'a str,
    pub tree: &'a Tree,
    /// Local package name -> import path, from the file's import declarations.
    imports: HashMap<String, String>,
    /// The file-level `var` declarations, in file order: resolving a name that no function
    /// declares looks at these, and finding them among thousands of top-level items per name made
    /// that quadratic in the file's size.
    file_vars: Vec<Node<'a>>,
    /// The import declarations, in file order: several rules read every import path, and finding
    /// them among a large file's top-level items cost more than the rest of a keystroke's rules.
    import_decls: Vec<Node<'a>>,
    /// Facts about the file supplied by the caller.
    pub file: &'a FileInfo,
    /// Declarations across the workspace (empty when the caller keeps none).
    pub index: &'a Index,
    /// When set, rules look for candidates only in this byte range (see `analysis::incremental`).
    pub focus: Option<std::ops::Range<usize>>,
    /// Every rule's query matches within the focus, computed by one walk before the rules run
    /// (see [`Source::prepare_matches`]). A plain field, not a lazily filled cell: interior
    /// mutability would make `Source` invariant in its lifetime, and helpers freely mix a
    /// `&Source<'long>` with nodes of shorter lifetimes.
    matches: Option<Rc<AllMatches<'a>>>,
    /// The matches were walked for the rules that use the index alone.
    index_rules_only: bool,
    /// Where [`Source::field_types`] found the names of the fields it was asked about, by field
    /// name: several rules ask about the same fields for every call on them, and each answer costs a
    /// search of the whole text. Byte offsets, not nodes, so the cell holds nothing of lifetime
    /// `'a` and `Source` stays covariant in it.
    field_names: std::cell::RefCell<HashMap<String, Vec<usize>>>,
}

static NO_FILE: FileInfo = FileInfo { is_test: false, go_version: None };

/// A read a rule made outside the item it judges, recorded while the incremental cache runs the
/// rules (see [`recording_file_reads`]) so that it knows which edits elsewhere can change the
/// item's findings.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FileRead {
    /// Any text that mentions the name as a word, anywhere in the file
    /// ([`Source::reads_file_about`]). `at`, when set, is the byte offset of the identifier the
    /// read was made for: the read is then about the item that holds it.
    About { name: String, at: Option<usize> },
    /// The declarations of the struct fields of this name, anywhere in the file
    /// ([`Source::reads_fields_named`]).
    Fields(String),
    /// The file's top-level declarations of the name. `at` is the byte offset of the code the read
    /// was made for, when known: the identifier the rule resolved to them
    /// ([`Source::reads_top_level_for`]), the code a fix's choice of a name is for
    /// ([`note_top_level_read`]), the code a rule said it judges ([`Source::judging`]). The read is
    /// then about the item that holds it; without it, it may come from any item.
    TopLevel { name: String, at: Option<usize> },
}

/// Notes that the calling rule asked whether the file declares `name` at top level (a fix that
/// avoids or reuses a package-level name) for the code at `at`, which the fix is for. The
/// incremental cache re-runs the item that holds `at` when a top-level declaration of that name is
/// added, removed or changed: the item need not mention the name, so the check by mention misses
/// it. Without the position, a full run charged the question to every item, and a broken function
/// whose `var req` tree-sitter lifts to the top level re-ran every item of the file. Free of
/// `Source`, so that a set of names computed once per run can note each question when it is asked.
pub(crate) fn note_top_level_read(name: &str, at: Node<'_>) {
    note_file_read(|| FileRead::TopLevel { name: name.to_string(), at: Some(at.start_byte()) });
}

/// Adds a read to the recording on this thread, if one is running; `read` is built only then.
fn note_file_read(read: impl FnOnce() -> FileRead) {
    FILE_READS.with(|r| {
        if let Some(asked) = r.borrow_mut().as_mut() {
            asked.push(read());
        }
    });
}

/// Until dropped, the reads noted on this thread without a position of their own
/// ([`Source::reads_top_level`]) are about the code at this offset (see [`Source::judging`]).
pub(crate) struct Judging {
    before: Option<usize>,
}

impl Drop for Judging {
    fn drop(&mut self) {
        JUDGED.with(|j| j.set(self.before));
    }
}

thread_local! {
    /// The reads rules made outside the items they judge on this thread inside
    /// [`recording_file_reads`], if one is running.
    static FILE_READS: std::cell::RefCell<Option<Vec<FileRead>>> = const { std::cell::RefCell::new(None) };
    /// The offset of the code a rule is judging, when it said so ([`Source::judging`]).
    static JUDGED: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The offset of the code the running rule said it judges ([`Source::judging`]), if it said so.
pub(crate) fn judged() -> Option<usize> {
    JUDGED.with(|j| j.get())
}

/// Runs `f` and returns what it returned with the reads that rules made outside the items they
/// judge meanwhile on this thread ([`Source::reads_file_about`], [`Source::reads_fields_named`],
/// [`Source::reads_top_level_for`], [`note_top_level_read`]), sorted and without repeats. The
/// incremental cache runs the rules of its items inside this, so that an edit elsewhere that can
/// change what was read re-runs the items that read it.
pub(crate) fn recording_file_reads<R>(f: impl FnOnce() -> R) -> (R, Vec<FileRead>) {
    crate::analysis::index::record_on(&FILE_READS, f)
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str, tree: &'a Tree) -> Self {
        let mut imports = HashMap::new();
        let mut file_vars = Vec::new();
        let mut import_decls = Vec::new();
        let root = tree.root_node();
        let mut cursor = root.walk();
        // By kind id: a large file has thousands of top-level items, and `Node::kind` converts a C
        // string per call.
        let top = &*crate::analysis::go::KIND_IDS;
        let (import_declaration, var_declaration) = (top.import_declaration, top.var_declaration);
        for decl in root.children(&mut cursor) {
            let kind = decl.kind_id();
            if kind == import_declaration {
                collect_import_specs(decl, text, &mut imports);
                import_decls.push(decl);
            } else if kind == var_declaration {
                file_vars.push(decl);
            }
        }
        Source {
            text,
            tree,
            imports,
            file_vars,
            import_decls,
            file: &NO_FILE,
            index: &NO_INDEX,
            focus: None,
            matches: None,
            index_rules_only: false,
            field_names: Default::default(),
        }
    }

    /// Walks the file (within the focus) once for every rule's query; the rules then take their
    /// matches from here. Call it again after changing the focus.
    pub(crate) fn prepare_matches(&mut self) {
        self.matches = Some(Rc::new(rules::all_matches(self.text, self.tree.root_node(), self.focus.as_ref(), false)));
        self.index_rules_only = false;
    }

    /// Like [`Source::prepare_matches`] for the rules that use the index alone; the others then
    /// find no matches, so only those rules may run.
    pub(crate) fn prepare_index_rule_matches(&mut self) {
        self.matches = Some(Rc::new(rules::all_matches(self.text, self.tree.root_node(), self.focus.as_ref(), true)));
        self.index_rules_only = true;
    }

    /// Sets the focus and walks it for the rules' matches.
    pub(crate) fn set_focus(&mut self, focus: Option<std::ops::Range<usize>>) {
        self.focus = focus;
        self.prepare_matches();
    }

    /// Drops the focus and the matches walked for it, without walking the whole file.
    pub(crate) fn clear_focus(&mut self) {
        self.focus = None;
        self.matches = None;
    }

    /// The matches of the query of the rule at `rule` (its index in `RULES`) within the focus:
    /// from [`Source::prepare_matches`], or from a walk of their own when it was not called.
    /// Debug builds insist on the former, so a caller that forgets it (and pays a walk per rule)
    /// or prepared another rule's matches fails the tests instead of running slow or finding nothing.
    pub(crate) fn rule_matches(&self, rule: usize) -> Vec<Match<'a>> {
        debug_assert!(self.matches.is_some(), "rule matches asked before Source::prepare_matches");
        debug_assert!(
            !self.index_rules_only || rules::RULES[rule].uses_index(),
            "matches were prepared for the index rules alone, not for {}",
            rules::RULES[rule].id
        );
        match &self.matches {
            Some(all) => all[rule].clone(),
            None => rules::all_matches(self.text, self.tree.root_node(), self.focus.as_ref(), false).into_rule(rule),
        }
    }

    /// The nodes the endpoint facts read, from [`Source::prepare_matches`] over the whole file.
    pub(crate) fn fact_nodes(&self) -> Option<&rules::FactNodes<'a>> {
        self.matches.as_deref()?.facts()
    }

    /// Attaches facts about the file and the workspace index.
    pub fn with_context(mut self, file: &'a FileInfo, index: &'a Index) -> Self {
        self.file = file;
        self.index = index;
        self
    }

    /// The file-level `var` declarations, in file order.
    pub fn file_vars(&self) -> &[Node<'a>] {
        &self.file_vars
    }

    /// The import declarations, in file order.
    pub fn import_decls(&self) -> &[Node<'a>] {
        &self.import_decls
    }

    pub fn root(&self) -> Node<'a> {
        self.tree.root_node()
    }

    /// The text of a node; empty when its range is not valid UTF-8 boundaries (it always is for a
    /// tree parsed from this text).
    pub fn text_of(&self, node: Node<'_>) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// Whether the local name `name` refers to the package with import path `path`. A name the
    /// file does not import counts as the package's default name, so half-typed buffers whose
    /// imports are not written yet are still analysed; a name imported from elsewhere does not match.
    pub fn is_package(&self, name: &str, path: &str) -> bool {
        match self.imports.get(name) {
            Some(p) => p == path,
            None => path.rsplit('/').next() == Some(name) && !self.imports.values().any(|p| p == path),
        }
    }

    /// The package name (as its package clause spells it, by Go's convention) of the package the
    /// file imports under `local`, if it imports one under that name.
    pub fn imported_package(&self, local: &str) -> Option<&str> {
        self.imports.get(local).map(|path| default_package_name(path))
    }

    /// The import path the file imports under the local name `local`, if any.
    pub fn import_path_of(&self, local: &str) -> Option<&str> {
        self.imports.get(local).map(String::as_str)
    }

    /// The local name under which `path` is imported, if it is.
    pub fn import_name(&self, path: &str) -> Option<&str> {
        self.imports.iter().find(|(_, p)| *p == path).map(|(n, _)| n.as_str())
    }

    /// Notes that the calling rule reads the whole file (the bodies of other functions included)
    /// for something about `name`, and that its findings may change when any text that mentions
    /// `name` as a word changes, anywhere in the file. Rules must call this for every such read
    /// that is not through the index or a name their own declaration mentions: the incremental
    /// cache follows other declarations only by the names an item mentions, and by these.
    pub fn reads_file_about(&self, name: &str) {
        note_file_read(|| FileRead::About { name: name.to_string(), at: None });
    }

    /// Like [`Source::reads_file_about`], for a read made to resolve the identifier `at`: the read
    /// is then about the item that holds it alone.
    pub(crate) fn reads_file_about_for(&self, name: &str, at: Node<'_>) {
        note_file_read(|| FileRead::About { name: name.to_string(), at: Some(at.start_byte()) });
    }

    /// Notes that the calling rule resolved the identifier `at` (spelled `name`) to the file's
    /// package-level declarations of that name: a variable or a type declared by another top-level
    /// item. The incremental cache re-runs the item that holds `at` when a top-level declaration
    /// of `name` is added, removed or changed, and does not follow variables and types by mention
    /// (a broken function's `var out` lifted to the top level would re-run every item that
    /// mentions `out`), so every such read must be noted.
    pub fn reads_top_level_for(&self, name: &str, at: Node<'_>) {
        note_file_read(|| FileRead::TopLevel { name: name.to_string(), at: Some(at.start_byte()) });
    }

    /// Notes that the calling rule read the file's package-level declarations of `name` for a
    /// reason of its own (a type named by a declaration it followed, not by an identifier of the
    /// item it judges). The read is about the code the rule said it judges ([`Source::judging`]),
    /// or else about any item: a full run then charges it to every item.
    pub fn reads_top_level(&self, name: &str) {
        let at = judged();
        note_file_read(|| FileRead::TopLevel { name: name.to_string(), at });
    }

    /// Says that the calling rule judges the code at `at` until the returned guard is dropped: the
    /// reads it notes meanwhile without a position ([`Source::reads_top_level`]) and the questions
    /// it asks the index ([`super::index::recording_at`]) are about the item that holds `at`. For rules whose reads are made deep in helpers that do not know the
    /// code they serve. A rule that keeps an answer between candidates must note its read again
    /// for each candidate that uses it.
    pub(crate) fn judging(&self, at: Node<'_>) -> Judging {
        let before = JUDGED.with(|j| j.replace(Some(at.start_byte())));
        Judging { before }
    }

    /// Notes that the calling rule reads the declarations of the struct fields named `field`
    /// anywhere in the file (those of types declared inside functions too). Narrower than
    /// [`Source::reads_file_about`]: the incremental cache re-runs the rule only when a field
    /// declaration of that name changes, not when any text that mentions the name does.
    pub fn reads_fields_named(&self, field: &str) {
        note_file_read(|| FileRead::Fields(field.to_string()));
    }

    /// The declared types of every struct field named `field` in this file, in file order.
    ///
    /// The fields of struct types declared inside functions count, so the answer depends on every
    /// function of the file: it is noted with [`Source::reads_fields_named`].
    ///
    /// The candidates are found by searching the text for the name, not by walking the tree:
    /// rules ask this for calls inside the one function being re-analysed after a keystroke, and a
    /// walk of the whole file per call made that cost grow with the file.
    pub fn field_types(&self, field: &str) -> Vec<Node<'a>> {
        if field.is_empty() {
            return Vec::new();
        }
        self.reads_fields_named(field);
        let mut cache = self.field_names.borrow_mut();
        let names = cache.entry(field.to_string()).or_insert_with(|| self.field_name_offsets(field));
        names
            .iter()
            .filter_map(|&at| {
                let node = self.root().descendant_for_byte_range(at, at + field.len())?;
                node.parent()?.child_by_field_name("type")
            })
            .collect()
    }

    /// The offsets of the names of the struct fields named `field` that have a declared type.
    fn field_name_offsets(&self, field: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let bytes = self.text.as_bytes();
        let ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
        for (at, _) in self.text.match_indices(field) {
            let end = at + field.len();
            if (at > 0 && ident(bytes[at - 1])) || bytes.get(end).is_some_and(|&b| ident(b)) {
                continue;
            }
            let Some(node) = self.root().descendant_for_byte_range(at, end) else { continue };
            // The node's own kind first: most occurrences are no field name (`http` in
            // `http.Get`), and `Node::parent` costs another search down from the root.
            if node.kind() != "field_identifier" {
                continue;
            }
            let Some(decl) = node.parent().filter(|p| p.kind() == "field_declaration") else { continue };
            if decl.child_by_field_name("type").is_some_and(|t| t.id() == node.id()) {
                continue;
            }
            let mut cursor = decl.walk();
            if decl.children_by_field_name("name", &mut cursor).any(|n| n.id() == node.id())
                && decl.child_by_field_name("type").is_some()
            {
                out.push(at);
            }
        }
        out
    }

    /// The byte offset of the start of the line holding `byte`.
    pub fn line_start(&self, byte: usize) -> usize {
        self.text[..byte.min(self.text.len())].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The byte offset just past the line break of the line holding `byte` (or the end of the text).
    pub fn line_end_inclusive(&self, byte: usize) -> usize {
        self.text[byte.min(self.text.len())..].find('\n').map_or(self.text.len(), |i| byte + i + 1)
    }

    /// The leading whitespace of the line holding `byte`.
    pub fn indent_at(&self, byte: usize) -> &'a str {
        let start = self.line_start(byte);
        let line = &self.text[start..];
        let n = line.len() - line.trim_start_matches([' ', '\t']).len();
        &line[..n]
    }

    /// The line break the file uses, so inserted lines match it.
    pub fn newline(&self) -> &'static str {
        if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }
}

fn collect_import_specs(node: Node<'_>, text: &str, out: &mut HashMap<String, String>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "import_spec_list" => collect_import_specs(child, text, out),
            "import_spec" => {
                let Some(path) = child.child_by_field_name("path") else { continue };
                let path = text[path.byte_range()].trim_matches(['"', '`']).to_string();
                let name = match child.child_by_field_name("name") {
                    Some(n) if n.kind() == "package_identifier" => text[n.byte_range()].to_string(),
                    // Blank and dot imports bind no name.
                    Some(_) => continue,
                    None => default_package_name(&path).to_string(),
                };
                out.insert(name, path);
            }
            _ => {}
        }
    }
}

/// The name a package is known by when imported without an alias: the last path element, with a
/// major-version suffix (`/v2`) and a `go-` prefix or `.go` suffix dropped, as Go tools guess it.
fn default_package_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    if last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
        last = parts.next().unwrap_or(last);
    }
    let last = last.strip_prefix("go-").unwrap_or(last);
    last.strip_suffix(".go").unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_resolve_aliases_and_versions() {
        let text = "package a\nimport (\n\t\"io\"\n\tgohttp \"net/http\"\n\t\"github.com/labstack/echo/v4\"\n\t_ \"embed\"\n)\n";
        let tree = crate::analysis::parse(text, None);
        let src = Source::new(text, &tree);
        assert!(src.is_package("io", "io"));
        assert!(src.is_package("gohttp", "net/http"));
        assert!(!src.is_package("http", "net/http"), "http is imported under another name");
        assert!(src.is_package("echo", "github.com/labstack/echo/v4"));
        assert!(src.is_package("fmt", "fmt"), "an unimported default name still matches");
        assert_eq!(src.import_name("net/http"), Some("gohttp"));
    }

    #[test]
    fn field_types_finds_declared_fields_only() {
        let text = "package a\ntype S struct {\n\tclient, other *http.Client\n\tdb *sql.DB\n\tclients []int\n}\n\
                    func f() {\n\ttype L struct{ client int }\n\tclient := 1\n\t_ = s.client\n}\n";
        let tree = crate::analysis::parse(text, None);
        let src = Source::new(text, &tree);
        let types: Vec<_> = src.field_types("client").into_iter().map(|t| src.text_of(t)).collect();
        assert_eq!(types, ["*http.Client", "int"], "fields named client, in file order, local types included");
        assert_eq!(src.field_types("db").len(), 1);
        assert!(src.field_types("clien").is_empty() && src.field_types("S").is_empty());
    }
}
