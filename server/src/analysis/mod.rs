//! The analysis: Go text and its syntax tree in, findings with byte ranges and fixes out.
//!
//! Architecture invariant: nothing here knows about LSP, files or the terminal. Ranges are byte
//! offsets into the analysed text; the callers convert them (see `crate::text`).

pub mod edits;
pub mod fix;
pub mod flow;
pub mod go;
pub mod handler;
pub mod incremental;
pub mod index;
pub mod outline;
pub mod resource;
mod source;
pub mod suppress;

use std::cell::RefCell;
use std::ops::Range;

pub use source::Source;
pub(crate) use source::{recording_file_reads, FileRead};

use crate::config::Config;
use crate::rules;

/// How loudly a finding is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// One replacement of a byte range of the analysed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub new_text: String,
}

impl Edit {
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit { range: at..at, new_text: text.into() }
    }
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Edit { range, new_text: text.into() }
    }
    pub fn delete(range: Range<usize>) -> Self {
        Edit { range, new_text: String::new() }
    }
}

/// A mechanical repair of a finding: a set of non-overlapping edits applied together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// A short stable name, used by fixtures and `--fix` to pick among several fixes.
    pub id: &'static str,
    pub title: String,
    pub edits: Vec<Edit>,
    /// The fix an editor offers first and `--fix` applies.
    pub preferred: bool,
}

/// A second place that explains a finding (for example the first of two `Next` calls).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub range: Range<usize>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub range: Range<usize>,
    pub related: Vec<Related>,
    pub fixes: Vec<Fix>,
}

thread_local! {
    // A parser is not `Sync` and is costly to create; each thread keeps one.
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new(new_parser());
}

fn new_parser() -> tree_sitter::Parser {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .expect("the bundled tree-sitter-go grammar matches the tree-sitter runtime");
    parser
}

/// Parses Go text, reusing `old` (already adjusted with `Tree::edit`) for an incremental parse.
pub fn parse(text: &str, old: Option<&tree_sitter::Tree>) -> tree_sitter::Tree {
    PARSER.with(|p| {
        let mut parser = p.borrow_mut();
        // Parsing only returns `None` on cancellation or timeout, and neither is set here.
        parser.parse(text, old).unwrap_or_else(|| {
            parser.reset();
            parser.parse(text, None).expect("parse without cancellation always yields a tree")
        })
    })
}

/// Facts about a file that its text does not tell, supplied by the caller (the CLI and the server
/// know the path; the analysis does not).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileInfo {
    /// The file is a Go test file (its name ends in `_test.go`).
    pub is_test: bool,
    /// The `go` directive of the nearest `go.mod`, as (major, minor), when known.
    pub go_version: Option<(u32, u32)>,
}

impl FileInfo {
    /// What a path alone tells: whether it is a test file.
    pub fn from_path(path: &std::path::Path) -> FileInfo {
        let is_test = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with("_test.go"));
        FileInfo { is_test, go_version: None }
    }
}

/// Runs every enabled rule over one file and returns its findings, suppressed ones removed, sorted
/// by position. Uses no workspace index and no file facts; see [`analyze_file`].
pub fn analyze(text: &str, tree: &tree_sitter::Tree, config: &Config) -> Vec<Finding> {
    analyze_file(text, tree, config, &FileInfo::default(), &index::Index::default())
}

/// Like [`analyze`], with facts about the file and the workspace index for cross-file look-ups.
pub fn analyze_file(
    text: &str,
    tree: &tree_sitter::Tree,
    config: &Config,
    file: &FileInfo,
    index: &index::Index,
) -> Vec<Finding> {
    analyze_with(text, tree, config, file, index, false)
}

/// Every enabled rule, or with `index_rules_only` the rules that use the index (matching only
/// their patterns), over one file, finished like [`analyze_file`]'s.
fn analyze_with(
    text: &str,
    tree: &tree_sitter::Tree,
    config: &Config,
    file: &FileInfo,
    index: &index::Index,
    index_rules_only: bool,
) -> Vec<Finding> {
    let mut src = Source::new(text, tree).with_context(file, index);
    if index_rules_only {
        src.prepare_index_rule_matches();
    } else {
        src.prepare_matches();
    }
    let findings = run_some_rules(&src, config, |r| !index_rules_only || r.uses_index());
    finish(&src, findings)
}

/// Runs every enabled rule (within `src.focus` when set), without suppressions or ordering.
pub(crate) fn run_rules(src: &Source<'_>, config: &Config) -> Vec<Finding> {
    run_some_rules(src, config, |_| true)
}

fn run_some_rules(src: &Source<'_>, config: &Config, which: impl Fn(&rules::Rule) -> bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules::RULES {
        if config.is_enabled(rule.id) && which(rule) {
            run_rule(rule, src, config, &mut findings);
        }
    }
    findings
}

/// The first half of a two-pass check of many files, for callers that cannot keep every tree until
/// the workspace index is complete: every rule runs with `own`, an index of this file's own
/// declarations (see [`index::Index::of_file`]), and the questions the rules that use the index
/// ([`rules::Rule::uses_index`]) asked it are recorded. Once the workspace index is complete, the
/// findings are final if the workspace adds nothing to those answers
/// ([`index::Index::answered_by_file_alone`]); otherwise the index rules' findings must be replaced
/// by [`analyze_indexed_rules`]' (see [`without_indexed_rules`]).
pub fn analyze_local_rules(
    text: &str,
    tree: &tree_sitter::Tree,
    config: &Config,
    file: &FileInfo,
    own: &index::Index,
) -> FirstPass {
    analyze_local_rules_then(text, tree, config, file, own, |_, _| ()).0
}

/// [`analyze_local_rules`], then `then` with the file's source and findings: what the walk for the
/// rules' matches collected for the endpoint facts is still at hand there.
pub fn analyze_local_rules_then<T>(
    text: &str,
    tree: &tree_sitter::Tree,
    config: &Config,
    file: &FileInfo,
    own: &index::Index,
    then: impl FnOnce(&Source<'_>, &[Finding]) -> T,
) -> (FirstPass, T) {
    let mut src = Source::new(text, tree).with_context(file, own);
    src.prepare_matches();
    let mut findings = run_some_rules(&src, config, |r| !r.uses_index());
    let (indexed, lookups) = index::recording(|| run_some_rules(&src, config, |r| r.uses_index()));
    findings.extend(indexed);
    let findings = finish(&src, findings);
    let after = then(&src, &findings);
    (FirstPass { findings, lookups }, after)
}

/// What [`analyze_local_rules`] found in one file, and what it asked the index.
#[derive(Debug, Default)]
pub struct FirstPass {
    /// Every enabled rule's findings, finished like [`analyze_file`]'s, the index rules' answered
    /// from the file's own declarations.
    pub findings: Vec<Finding>,
    /// The index questions asked; none means the findings are final whatever the workspace holds.
    pub lookups: Vec<index::Lookup>,
}

/// The findings of the rules that do not use the index, to be merged with a fresh
/// [`analyze_indexed_rules`] when the workspace changed the answers.
pub fn without_indexed_rules(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.retain(|f| !rules::find(f.rule).is_some_and(rules::Rule::uses_index));
    findings
}

/// The second half: the findings of the rules that use the workspace index, to be merged with the
/// first half's by [`merge_findings`].
pub fn analyze_indexed_rules(
    text: &str,
    tree: &tree_sitter::Tree,
    config: &Config,
    file: &FileInfo,
    index: &index::Index,
) -> Vec<Finding> {
    analyze_with(text, tree, config, file, index, true)
}

/// Merges findings of one file from several runs into the order [`analyze_file`] gives.
pub fn merge_findings(mut a: Vec<Finding>, b: Vec<Finding>) -> Vec<Finding> {
    a.extend(b);
    order(&mut a);
    a
}

/// Orders findings by position and removes duplicates.
fn order(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| (a.range.start, a.rule).cmp(&(b.range.start, b.rule)));
    findings.dedup_by(|a, b| a.rule == b.rule && a.range == b.range);
    // Kept until the output is written (see `run_rule`); a list grown by pushing has spare room.
    findings.shrink_to_fit();
}

/// Drops suppressed findings, orders the rest by position and removes duplicates.
pub(crate) fn finish(src: &Source<'_>, mut findings: Vec<Finding>) -> Vec<Finding> {
    let suppressions = suppress::Suppressions::collect(src);
    findings.retain(|f| !suppressions.is_suppressed(src, f));
    order(&mut findings);
    findings
}

/// Runs one rule and appends its findings with the configured severity. A rule that panics on some
/// input loses its own findings for this file, never the other rules' or the caller's. The panic is
/// logged once per rule; callers add the file name through a tracing span.
fn run_rule(rule: &rules::Rule, src: &Source<'_>, config: &Config, out: &mut Vec<Finding>) {
    let mut found = Vec::new();
    let run = std::panic::AssertUnwindSafe(|| (rule.check)(src, config, &mut found));
    if let Err(panic) = std::panic::catch_unwind(run) {
        let msg = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        report_panic(rule.id, &msg);
        return;
    }
    let severity = config.severity(rule);
    for mut f in found {
        f.severity = severity;
        // `check` holds the findings of every file until it writes them, and a message built by
        // `format!` has spare room: the generated corpus's messages of about 300 bytes held 500.
        f.message.shrink_to_fit();
        out.push(f);
    }
}

/// Logs a rule's panic once per rule and process, so a rule that fails on every file does not
/// flood the log.
fn report_panic(rule: &str, msg: &str) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let first = SEEN.lock().map(|mut seen| {
        let new = !seen.iter().any(|r| r == rule);
        if new {
            seen.push(rule.to_string());
        }
        new
    });
    if first.unwrap_or(true) {
        tracing::error!(rule, "rule panicked and was skipped: {msg}");
    }
}

/// Parses and analyses in one step, for callers that keep no tree.
pub fn analyze_text(text: &str, config: &Config) -> Vec<Finding> {
    let tree = parse(text, None);
    analyze(text, &tree, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boom(_: &Source<'_>, _: &Config, out: &mut Vec<Finding>) {
        out.push(Finding {
            rule: "boom",
            severity: Severity::Hint,
            message: String::new(),
            range: 0..1,
            related: Vec::new(),
            fixes: Vec::new(),
        });
        panic!("rule bug");
    }

    /// The two-pass check of many files (local rules first, index rules once the index is
    /// complete) must find exactly what one full analysis finds, on every fixture and on the example
    /// service with its whole index.
    #[test]
    fn two_passes_find_what_one_analysis_finds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let (files, _) = crate::walk::go_files(&[root.join("tests/rules"), root.join("examples")]);
        let texts: Vec<(String, String)> =
            files.iter().map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap())).collect();
        let mut idx = index::Index::default();
        for (name, text) in &texts {
            idx.set_file(name, index::declarations(&Source::new(text, &parse(text, None))));
        }
        let config = Config::default();
        let mut pending_files = 0;
        let mut resolved_alone = 0;
        for (name, text) in &texts {
            let tree = parse(text, None);
            let info = FileInfo::from_path(std::path::Path::new(name));
            let whole = analyze_file(text, &tree, &config, &info, &idx);
            let own = index::Index::of_file(name, index::declarations(&Source::new(text, &tree)));
            let first = analyze_local_rules(text, &tree, &config, &info, &own);
            if first.lookups.is_empty() {
                assert_eq!(first.findings, whole, "{name}");
                continue;
            }
            pending_files += 1;
            if idx.answered_by_file_alone(name, &first.lookups) {
                resolved_alone += 1;
                assert_eq!(first.findings, whole, "{name}: the workspace added nothing, yet the findings differ");
            }
            let indexed = analyze_indexed_rules(text, &tree, &config, &info, &idx);
            assert_eq!(merge_findings(without_indexed_rules(first.findings), indexed), whole, "{name}");
        }
        assert!(resolved_alone > 0, "no file's look-ups were answered by the file alone");
        assert!(resolved_alone < pending_files, "no file needed the workspace index");
        assert!(pending_files > 0 && pending_files < texts.len(), "{pending_files} of {} files pending", texts.len());
    }

    #[test]
    fn a_panicking_rule_loses_only_its_own_findings() {
        let rule = rules::Rule { id: "boom", check: boom, ..*rules::find("double-next").unwrap() };
        let text = "package a\n";
        let tree = parse(text, None);
        let src = Source::new(text, &tree);
        let mut out = vec![];
        // Silence the default panic message; the rule's failure is expected here.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        run_rule(&rule, &src, &Config::default(), &mut out);
        std::panic::set_hook(hook);
        assert!(out.is_empty(), "the half-finished findings of a panicking rule are dropped");
        run_rule(rules::find("double-next").unwrap(), &src, &Config::default(), &mut out);
    }
}
