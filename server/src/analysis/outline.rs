//! An outline of a workspace's declarations, read from the texts before any file is parsed, so
//! that a checker of many files can answer the index rules' questions in one pass.
//!
//! `check` analyses each file as soon as it is parsed, and cannot keep every tree until the index is
//! complete. Without an outline, a rule that asks about a function declared in another file gets
//! its answer only in a second pass, which parses the file again: on real projects a sixth of the
//! code, mostly large test files calling helpers of their package. The outline is a cheap text
//! scan of every file for the names it may declare ([`names`]). When a rule asks about a name,
//! the files that may declare it are read again and carved to their signatures and interface
//! types ([`carve`]), and only the carved declarations that may hold the name are parsed, each
//! once. A question about a package's functions parses nothing in a file of another package.
//!
//! The outline is a guess, never trusted: once every file is parsed, [`Outline::check`] compares,
//! for every name asked of a file, the file's real declarations with what the outline said and
//! gave, and returns the names where they differ. Only a file that asked about one of those names
//! needs the second pass. A guess that is wrong (a function indented at the top level, a `func`
//! line inside a raw string) costs that second pass, never a wrong finding.
//!
//! Like the rest of the analysis, this module reads no files: the caller supplies the texts.

use std::sync::{Mutex, OnceLock};

use super::index::FuncDecl;
use super::{parse, Source};

/// Reads the text of the file with the given outline id, as the analysis of that file would.
type Loader = dyn Fn(u32) -> Option<String> + Send + Sync;

pub struct Outline {
    /// Every (name hash, file id) pair of names a file may declare, sorted.
    names: Vec<(u64, u32)>,
    /// Each file's carved text, read and carved when a name it may declare is first asked about.
    files: Vec<OnceLock<Carved>>,
    /// The questions asked of each file, for [`Outline::check`]: a name, with the package when
    /// the question was about a package's functions.
    asked: Vec<Mutex<Vec<Asked>>>,
    load: Box<Loader>,
}

/// A name asked of a file, and the package a question about functions named.
type Asked = (Box<str>, Option<Box<str>>);

/// A file's carved text (see [`carve`]) cut into its declarations.
struct Carved {
    text: String,
    /// The package clause at the start of `text`, with its newline: every declaration is parsed
    /// after it, so it knows its package.
    clause: std::ops::Range<usize>,
    /// The package name as the clause spells it, for questions about one package's functions.
    package: Box<str>,
    chunks: Vec<Chunk>,
    /// The hash of every name each chunk may declare (as [`names`] finds them) with the chunk's
    /// position, sorted: a name is asked about many times, of files of hundreds of declarations.
    names: Vec<(u64, u32)>,
}

/// One top-level declaration of a carved text: a function's signature or a type declaration.
struct Chunk {
    range: std::ops::Range<usize>,
    /// Its declarations, parsed the first time a name it may declare is asked about.
    decls: OnceLock<Vec<FuncDecl>>,
}

impl Carved {
    fn new(text: &str) -> Carved {
        let (text, clause, ranges) = carve_parts(text);
        let package = text[clause.clone()]
            .strip_prefix("package")
            .map(|rest| {
                let rest = rest.trim_start_matches([' ', '\t']);
                let end = rest.bytes().position(|c| !is_ident(c)).unwrap_or(rest.len());
                &rest[..end]
            })
            .unwrap_or("")
            .into();
        let mut names: Vec<(u64, u32)> = ranges
            .iter()
            .enumerate()
            .flat_map(|(i, range)| names_in(&text[range.clone()]).into_iter().map(move |h| (h, i as u32)))
            .collect();
        names.sort_unstable();
        let chunks = ranges.into_iter().map(|range| Chunk { range, decls: OnceLock::new() }).collect();
        Carved { text, clause, package, chunks, names }
    }

    /// The declarations that may be named `name`, in file order, each parsed once.
    fn chunks_naming<'c>(&'c self, name: &str) -> impl Iterator<Item = &'c [FuncDecl]> + 'c {
        let h = hash(name);
        let start = self.names.partition_point(|&(n, _)| n < h);
        self.names[start..]
            .iter()
            .take_while(move |&&(n, _)| n == h)
            .filter_map(|&(_, i)| self.chunks.get(i as usize))
            .map(|c| self.decls(c))
    }

    /// The declarations of one chunk, parsed after the package clause the first time.
    fn decls<'c>(&'c self, chunk: &'c Chunk) -> &'c [FuncDecl] {
        chunk.decls.get_or_init(|| {
            let mut text = String::with_capacity(self.clause.len() + chunk.range.len());
            text.push_str(&self.text[self.clause.clone()]);
            text.push_str(&self.text[chunk.range.clone()]);
            let tree = parse(&text, None);
            super::index::declarations(&Source::new(&text, &tree))
        })
    }

    /// The declarations named `name` the outline gives, in file order.
    fn named<'c, 'n>(&'c self, name: &'n str) -> impl Iterator<Item = &'c FuncDecl> + use<'c, 'n> {
        self.chunks_naming(name).flatten().filter(move |d| *d.name == *name)
    }
}

impl std::fmt::Debug for Outline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outline").field("files", &self.files.len()).field("names", &self.names.len()).finish()
    }
}

impl Outline {
    /// An outline of files numbered in order, from the names each may declare (see [`names`]),
    /// with the function that reads a file's text again when its declarations are needed.
    pub fn new(names: Vec<Vec<u64>>, load: impl Fn(u32) -> Option<String> + Send + Sync + 'static) -> Outline {
        let files = (0..names.len()).map(|_| OnceLock::new()).collect();
        let asked = (0..names.len()).map(|_| Mutex::default()).collect();
        let mut all: Vec<(u64, u32)> =
            names.into_iter().enumerate().flat_map(|(id, hs)| hs.into_iter().map(move |h| (h, id as u32))).collect();
        all.sort_unstable();
        all.dedup();
        Outline { names: all, files, asked, load: Box::new(load) }
    }

    /// The files that may declare `name`, in file order.
    pub fn declaring(&self, name: &str) -> impl Iterator<Item = u32> + '_ {
        let h = hash(name);
        let start = self.names.partition_point(|&(n, _)| n < h);
        self.names[start..].iter().take_while(move |&&(n, _)| n == h).map(|&(_, id)| id)
    }

    /// Whether the scan found that the file `id` may declare `name`.
    fn may_declare(&self, id: u32, name: &str) -> bool {
        self.names.binary_search(&(hash(name), id)).is_ok()
    }

    /// The file's carved text, read and carved the first time it is needed. A file that cannot be
    /// read again declares nothing.
    fn carved(&self, id: u32) -> Option<&Carved> {
        let cell = self.files.get(id as usize)?;
        Some(cell.get_or_init(|| Carved::new(&(self.load)(id).unwrap_or_default())))
    }

    /// Appends to `out` the declarations named `name` of the file `id`, in file order; with
    /// `package`, only when the file's package clause names that package, since the caller wants
    /// no others (a question about the functions of one package).
    pub fn decls_named<'o>(&'o self, id: u32, name: &str, package: Option<&str>, out: &mut Vec<&'o FuncDecl>) {
        let Some(carved) = self.carved(id) else { return };
        if let Some(asked) = self.asked.get(id as usize) {
            let mut asked = asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !asked.iter().any(|(n, p)| **n == *name && p.as_deref() == package) {
                asked.push((name.into(), package.map(Into::into)));
            }
        }
        if package.is_some_and(|p| p != &*carved.package) {
            return;
        }
        out.extend(carved.named(name));
    }

    /// Compares what the outline said and gave of the file `id` with the declarations its full
    /// parse found (none when it was not read or indexed), and adds to `mismatched` every name on
    /// which answers given from the outline may differ from the index's. Answers only ever take a
    /// file's declarations of one name, so each name asked is compared on its own.
    pub fn check(&self, id: u32, real: &[FuncDecl], mismatched: &mut std::collections::HashSet<String>) {
        let Some(asked) = self.asked.get(id as usize) else { return };
        let asked = asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !real.iter().all(|d| self.may_declare(id, &d.name)) {
            // A question about a name the scan missed got no answer from this file.
            mismatched.extend(real.iter().map(|d| d.name.to_string()));
            mismatched.extend(asked.iter().map(|(n, _)| n.to_string()));
            return;
        }
        let Some(carved) = self.files.get(id as usize).and_then(OnceLock::get) else { return };
        for (name, package) in asked.iter() {
            let same = match package {
                // The file's package was taken from its clause without parsing: the answer was
                // right if the index holds no function of that name in that package here.
                Some(p) if **p != *carved.package => {
                    !real.iter().any(|d| *d.name == **name && *d.package == **p && d.receiver.is_none())
                }
                _ => carved.named(name).eq(real.iter().filter(|d| *d.name == **name)),
            };
            if !same {
                mismatched.insert(name.to_string());
            }
        }
    }
}

/// A hash of a declared name. Two names with one hash only make the outline parse a file it did
/// not need.
fn hash(name: &str) -> u64 {
    // FNV-1a: names are short, and this runs on every identifier of every signature.
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The hashes of the names a file may declare as a function, a method or an interface method:
/// every identifier followed by `(` or `[` in its carved text (see [`carve`]). Extra names (a
/// parameter of function type) are harmless.
pub fn names(text: &str) -> Vec<u64> {
    names_in(&carve(text))
}

/// The hashes of every identifier followed by `(` or `[` in a carved text, sorted.
fn names_in(carved: &str) -> Vec<u64> {
    let b = carved.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_ident_start(b[i]) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            if matches!(b.get(i), Some(b'(' | b'[')) {
                out.push(hash(&carved[start..i]));
            }
        } else {
            i += 1;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The parts of a Go file that the index reads, as a Go file of their own: the package clause,
/// each top-level function's signature with an empty body, and each top-level type declaration
/// that mentions `interface`, all as written. It relies on what `gofmt` does: top-level
/// declarations start at the beginning of a line, and the rest of a function body does not.
pub fn carve(text: &str) -> String {
    carve_parts(text).0
}

/// The carved text (see [`carve`]), the range of its package clause with its newline, and the
/// range of each declaration it holds.
#[allow(clippy::type_complexity)]
fn carve_parts(text: &str) -> (String, std::ops::Range<usize>, Vec<std::ops::Range<usize>>) {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut clause = 0..0;
    let mut chunks = Vec::new();
    let mut package = false;
    let mut line = 0;
    while line < b.len() {
        let rest = &b[line..];
        let mut end = line_end(b, line);
        let start = out.len();
        if !package && rest.starts_with(b"package ") {
            package = true;
            out.push_str(&text[line..end]);
            out.push('\n');
            clause = start..out.len();
        } else if rest.starts_with(b"func") && matches!(rest.get(4), Some(b' ' | b'(')) {
            let (stop, body) = scan(b, line, true);
            out.push_str(&text[line..stop]);
            out.push_str(if body { "{}\n" } else { "\n" });
            chunks.push(start..out.len());
            end = line_end(b, stop);
        } else if rest.starts_with(b"type") && matches!(rest.get(4), Some(b' ' | b'(')) {
            let (stop, _) = scan(b, line, false);
            let decl = &text[line..stop];
            if decl.contains("interface") {
                out.push_str(decl);
                out.push('\n');
                chunks.push(start..out.len());
            }
            end = line_end(b, stop);
        }
        line = end + 1;
    }
    (out, clause, chunks)
}

/// Scans Go from `start` to the end of a declaration: the newline outside every bracket, or with
/// `at_body`, the `{` that opens a function body. Skips comments, strings and runes, and counts
/// the braces of `struct {…}` and `interface {…}` types as brackets. Returns where it stopped and
/// whether that is a body's `{`.
fn scan(b: &[u8], start: usize, at_body: bool) -> (usize, bool) {
    let mut depth = 0i32;
    // Whether the last token was `struct` or `interface`, whose `{` opens a type, not a body.
    let mut type_brace = false;
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if is_ident_start(c) {
            let s = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            type_brace = matches!(&b[s..i], b"struct" | b"interface");
            continue;
        }
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_end(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2);
                continue;
            }
            b'"' | b'\'' => {
                i = quoted_end(b, i);
                continue;
            }
            b'`' => {
                i = b[i + 1..].iter().position(|&x| x == b'`').map_or(b.len(), |e| i + 1 + e + 1);
                continue;
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'{' if at_body && depth <= 0 && !type_brace => return (i, true),
            b'{' => depth += 1,
            b'\n' if depth <= 0 => return (i, false),
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            type_brace = false;
        }
        i += 1;
    }
    (b.len(), false)
}

/// The end of a string or rune literal starting at `start` (just past its closing quote), or the
/// end of the line when it is not closed there.
fn quoted_end(b: &[u8], start: usize) -> usize {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The position of the newline ending the line at `i`, or the end of the text.
fn line_end(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..].iter().position(|&c| c == b'\n').map_or(b.len(), |e| i + e)
}

fn find(b: &[u8], from: usize, what: &[u8]) -> Option<usize> {
    b.get(from..)?.windows(what.len()).position(|w| w == what).map(|e| from + e)
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::index::declarations;

    fn parsed(text: &str) -> Vec<FuncDecl> {
        declarations(&Source::new(text, &parse(text, None)))
    }

    /// The declarations the outline gives of a text: every carved declaration, parsed on its own.
    fn outlined(text: &str) -> Vec<FuncDecl> {
        let carved = Carved::new(text);
        carved.chunks.iter().flat_map(|c| carved.decls(c)).cloned().collect()
    }

    #[test]
    fn carves_signatures_and_interfaces() {
        let text = r#"// Package a does things.
package a

import "context"

type Store interface {
	Get(ctx context.Context, key string) (string, error)
	io.Closer
}

type Plain struct {
	x int
}

type (
	Alias = int
	Finder interface{ Find(m map[string]string) []string }
)

var f = func(x int) {}

func New(opts ...map[string]string) *S { return nil }

func (s *S) Do(ctx context.Context,
	filter map[string]string, // the filter
) (struct{ N int }, error) {
	go func() {}()
	return struct{ N int }{}, nil
}

func Map[T interface{ ~int }, U any](xs []T, f func(T) U) []U {
	return nil
}

func (g Generic[K]) Keys() []K { return nil }

//go:noescape
func stub(p *byte, s string /* "{" */, r rune) int
"#;
        let carved = carve(text);
        assert!(!carved.contains("go func"), "bodies are left out: {carved}");
        assert!(!carved.contains("Plain"), "types without interfaces are left out: {carved}");
        let decls = outlined(text);
        assert_eq!(decls, parsed(text));
        let names: Vec<&str> = decls.iter().map(|d| &*d.name).collect();
        assert_eq!(names, ["Get", "Find", "New", "Do", "Map", "Keys", "stub"]);
    }

    #[test]
    fn names_include_every_declared_name() {
        let text = "package a\n\nfunc (s *S) Close() error {\n\treturn nil\n}\n\ntype I interface {\n\tRun(n int)\n}\n";
        let hashes = names(text);
        for d in parsed(text) {
            assert!(hashes.contains(&hash(&d.name)), "{}", d.name);
        }
        assert!(!hashes.contains(&hash("nil")));
    }

    /// What the outline misses or gets wrong is caught by [`Outline::check`]: an indented function
    /// is not in the outline, so answers about its name cannot be trusted.
    #[test]
    fn check_names_what_the_outline_got_wrong() {
        let texts = [
            "package a\n\nfunc Good(m map[string]string) {}\n",
            "package a\n\n  func Hidden(m map[string]string) {}\n",
        ];
        let owned: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        let outline = Outline::new(texts.iter().map(|t| names(t)).collect(), move |id| owned.get(id as usize).cloned());
        assert_eq!(outline.declaring("Good").collect::<Vec<_>>(), [0]);
        assert_eq!(outline.declaring("Hidden").count(), 0);
        let mut given = Vec::new();
        outline.decls_named(0, "Good", None, &mut given);
        assert_eq!(given, parsed(texts[0]).iter().collect::<Vec<_>>());
        outline.decls_named(1, "Hidden", None, &mut given);
        assert_eq!(given.len(), 1, "the scan did not see `Hidden`, and the outline gives nothing of it");
        let mut mismatched = std::collections::HashSet::new();
        outline.check(0, &parsed(texts[0]), &mut mismatched);
        assert!(mismatched.is_empty());
        outline.check(1, &parsed(texts[1]), &mut mismatched);
        assert_eq!(mismatched.into_iter().collect::<Vec<_>>(), ["Hidden"]);
        // A file read again with other declarations than the ones its full parse found.
        let mut mismatched = std::collections::HashSet::new();
        outline.check(0, &parsed("package a\n\nfunc Good(m string) {}\n"), &mut mismatched);
        assert_eq!(mismatched.into_iter().collect::<Vec<_>>(), ["Good"]);
    }

    /// A question about the functions of another package takes nothing from a file, and
    /// [`Outline::check`] finds out when the package clause was read wrongly.
    #[test]
    fn questions_about_another_package_parse_nothing() {
        let texts = ["package a\n\nfunc Good(m map[string]string) {}\n\nfunc Other() {}\n"];
        let owned: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        let outline = Outline::new(texts.iter().map(|t| names(t)).collect(), move |id| owned.get(id as usize).cloned());
        let mut given = Vec::new();
        outline.decls_named(0, "Good", Some("b"), &mut given);
        assert!(given.is_empty());
        let carved = outline.files[0].get().expect("read to know its package");
        assert!(carved.chunks.iter().all(|c| c.decls.get().is_none()), "nothing parsed");
        outline.decls_named(0, "Good", Some("a"), &mut given);
        assert_eq!(given.len(), 1);
        assert!(carved.chunks[1].decls.get().is_none(), "`Other` is not parsed");
        let mut mismatched = std::collections::HashSet::new();
        outline.check(0, &parsed(texts[0]), &mut mismatched);
        assert!(mismatched.is_empty(), "{mismatched:?}");
        // Had the full parse found `Good` in package `b`, the first answer would have been wrong.
        outline.check(0, &parsed(&texts[0].replace("package a", "package b")), &mut mismatched);
        assert_eq!(mismatched.into_iter().collect::<Vec<_>>(), ["Good"]);
    }

    /// On every fixture and the example service (and the directories in
    /// `GOHAZARD_OUTLINE_DIRS`, separated by `:`), the outline gives exactly the declarations
    /// of a full parse, and names every one of them.
    #[test]
    fn outline_declarations_equal_the_parsed_ones() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut dirs = vec![root.join("tests"), root.join("examples")];
        if let Some(more) = std::env::var_os("GOHAZARD_OUTLINE_DIRS") {
            dirs.extend(std::env::split_paths(&more));
        }
        let (files, _) = crate::walk::go_files(&dirs);
        let mut checked = 0;
        let mut wrong = Vec::new();
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let real = parsed(&text);
            let hashes = names(&text);
            if outlined(&text) != real || real.iter().any(|d| !hashes.contains(&hash(&d.name))) {
                wrong.push(path.display().to_string());
            }
            checked += 1;
        }
        assert!(checked > 100, "only {checked} files");
        assert!(wrong.is_empty(), "{} of {checked} files outlined wrongly: {wrong:?}", wrong.len());
    }
}
