//! The rules. Each rule is one module with its metadata, its documentation (the source of
//! `docs/rules/<id>.md`), and its check; its tree-sitter query lives in `queries/<id>.scm`.
//!
//! Architecture invariant: rule ids are public API (settings, suppressions, SARIF); never rename one.

mod append_without_prealloc;
mod client_without_timeout;
mod costly_log_field;
mod defer_in_loop;
mod detached_context;
mod double_next;
mod empty_filter;
mod goroutine_leak_send;
mod long_timeout;
mod lost_cancel;
mod request_without_context;
mod server_without_timeouts;
mod ticker_not_stopped;
mod timer_in_loop;
mod unbounded_goroutines;
mod unbounded_read;
mod unclosed_body;
mod unclosed_rows;
mod unlock_missing;
mod waitgroup_add_in_goroutine;

use std::sync::LazyLock;

pub use long_timeout::{duration_of, human_duration};

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator};

use crate::analysis::{Finding, Severity, Source};
use crate::config::Config;

/// A rule's metadata and entry point.
pub struct Rule {
    /// Stable id, used in settings, suppressions and output.
    pub id: &'static str,
    /// One line: what the rule finds.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// Whether the rule offers a mechanical fix.
    pub fixable: bool,
    /// The tree-sitter query source (`queries/<id>.scm`, embedded at build time).
    pub query: &'static str,
    /// The rule's documentation in Markdown, from "What it does" to "What it cannot see".
    pub docs: &'static str,
    /// Appends the rule's findings for one file; severity is set by the caller from the config.
    pub check: fn(&Source<'_>, &Config, &mut Vec<Finding>),
}

pub static RULES: &[Rule] = &[
    double_next::RULE,
    unbounded_read::RULE,
    unclosed_body::RULE,
    detached_context::RULE,
    unbounded_goroutines::RULE,
    long_timeout::RULE,
    costly_log_field::RULE,
    append_without_prealloc::RULE,
    empty_filter::RULE,
    request_without_context::RULE,
    lost_cancel::RULE,
    defer_in_loop::RULE,
    timer_in_loop::RULE,
    ticker_not_stopped::RULE,
    unclosed_rows::RULE,
    waitgroup_add_in_goroutine::RULE,
    goroutine_leak_send::RULE,
    client_without_timeout::RULE,
    server_without_timeouts::RULE,
    unlock_missing::RULE,
];

/// Where a rule's page is published; the LSP links diagnostics to it.
pub const DOCS_BASE_URL: &str = "https://github.com/gohazard/gohazard/blob/main/docs/rules/";

/// The rules that look things up in the workspace index (the declarations of other files). A
/// checker of many files can run every other rule before the index is complete.
const INDEX_RULES: &[&str] = &["empty-filter", "costly-log-field"];

impl Rule {
    /// Whether the rule reads the workspace index, so its findings in a file can depend on others.
    pub fn uses_index(&self) -> bool {
        INDEX_RULES.contains(&self.id)
    }
}

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

pub fn docs_url(id: &str) -> String {
    format!("{DOCS_BASE_URL}{id}.md")
}

/// Every rule's query compiled on its own, so a broken `.scm` file is reported with its rule's name.
#[cfg(test)]
static QUERIES: LazyLock<Vec<Query>> = LazyLock::new(|| {
    let lang: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
    RULES
        .iter()
        .map(|r| Query::new(&lang, r.query).unwrap_or_else(|e| panic!("queries/{}.scm does not compile: {e}", r.id)))
        .collect()
});

/// All rules' queries as one query, so a file is walked once for every rule instead of once per
/// rule: the walk, not the pattern test, is most of a query's cost, and twenty walks cost more than
/// the parse itself. Each pattern remembers which rule it came from.
struct Combined {
    query: Query,
    /// The index in `RULES` of each pattern's rule.
    rule_of_pattern: Vec<usize>,
}

impl Combined {
    /// The patterns of the rules `which` selects, as one query.
    fn of(which: impl Fn(&Rule) -> bool) -> Combined {
        let lang: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
        let mut source = String::new();
        let mut starts = Vec::new();
        for (i, r) in RULES.iter().enumerate().filter(|(_, r)| which(r)) {
            starts.push((source.len(), i));
            source.push_str(r.query);
            source.push('\n');
        }
        let query =
            Query::new(&lang, &source).unwrap_or_else(|e| panic!("the rules' combined query does not compile: {e}"));
        let rule_of_pattern = (0..query.pattern_count())
            .map(|p| starts[starts.partition_point(|&(s, _)| s <= query.start_byte_for_pattern(p)) - 1].1)
            .collect();
        Combined { query, rule_of_pattern }
    }
}

static COMBINED: LazyLock<Combined> = LazyLock::new(|| Combined::of(|_| true));

/// The index rules' patterns alone: a file that must run them again once the workspace index is
/// complete need not match every other rule's patterns a second time.
static COMBINED_INDEX_RULES: LazyLock<Combined> = LazyLock::new(|| Combined::of(Rule::uses_index));

/// How many matches may be in progress at once while walking a file. Ordinary code needs a few
/// dozen; the bound keeps pathological input (thousands of chained calls or nested literals) from
/// making query matching quadratic. When it is exceeded, tree-sitter drops the oldest partial
/// matches, so such a file may miss findings rather than hang.
const MATCH_LIMIT: u32 = 1024;

/// One match of a rule's query: capture names with their nodes.
#[derive(Clone)]
pub(crate) struct Match<'t> {
    caps: Vec<(&'static str, Node<'t>)>,
}

impl<'t> Match<'t> {
    pub(crate) fn get(&self, name: &str) -> Option<Node<'t>> {
        self.caps.iter().find(|(n, _)| *n == name).map(|(_, node)| *node)
    }
}

/// The matches of every rule's patterns over one file (or over a byte range of it), indexed like
/// `RULES`.
pub(crate) type AllMatches<'t> = Vec<Vec<Match<'t>>>;

/// Runs the combined query once over `root`, within `focus` when given; with `index_rules_only`,
/// only the patterns of the rules that use the index, leaving the other rules without matches.
pub(crate) fn all_matches<'t>(
    text: &str,
    root: Node<'t>,
    focus: Option<&std::ops::Range<usize>>,
    index_rules_only: bool,
) -> AllMatches<'t> {
    let combined = if index_rules_only { &*COMBINED_INDEX_RULES } else { &*COMBINED };
    let names = combined.query.capture_names();
    let mut cursor = QueryCursor::new();
    cursor.set_match_limit(MATCH_LIMIT);
    if let Some(focus) = focus {
        cursor.set_byte_range(focus.clone());
    }
    let mut out: AllMatches<'t> = vec![Vec::new(); RULES.len()];
    let mut it = cursor.matches(&combined.query, root, text.as_bytes());
    while let Some(m) = it.next() {
        let rule = combined.rule_of_pattern[m.pattern_index];
        out[rule].push(Match { caps: m.captures.iter().map(|c| (names[c.index as usize], c.node)).collect() });
    }
    drop(it);
    if cursor.did_exceed_match_limit() {
        tracing::debug!("query match limit reached; some findings in this file may be missing");
    }
    out
}

/// The matches of rule `id`'s query over the whole file, or over the source's focus range when set.
/// The file is walked once for all rules (see [`Combined`]); later calls reuse that walk.
pub(crate) fn matches<'t>(src: &Source<'t>, id: &str) -> Vec<Match<'t>> {
    let idx = RULES.iter().position(|r| r.id == id).expect("rule is registered");
    src.rule_matches(idx)
}

/// The rule's page, as published in `docs/rules/<id>.md` and printed by `gohazard explain`.
pub fn page(rule: &Rule) -> String {
    format!(
        "<!-- Generated from server/src/rules/{module}.rs by `GOHAZARD_UPDATE_DOCS=1 cargo test`; edit the rule, not this page. -->\n\
         # {id}\n\n{summary}\n\n\
         | | |\n|---|---|\n| Default severity | {sev} |\n| Fix | {fix} |\n| Query | [`queries/{id}.scm`](../../queries/{id}.scm) |\n\n\
         {docs}\n\n\
         ## Suppressing\n\n\
         Add `//gohazard:ignore {id} <reason>` at the end of the line or on the line above it \
         (`//nolint:{id}` works too).\n",
        module = rule.id.replace('-', "_"),
        id = rule.id,
        summary = rule.summary,
        sev = rule.default_severity.as_str(),
        fix = if rule.fixable { "yes" } else { "no" },
        docs = rule.docs.trim(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `uses_index` must name every rule that reads the index, or a two-pass check would run it
    /// before the index is complete and miss its cross-file findings.
    #[test]
    fn rules_that_read_the_index_are_declared() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        for rule in RULES {
            let code = std::fs::read_to_string(dir.join(format!("{}.rs", rule.id.replace('-', "_")))).unwrap();
            let reads = code.contains("src.index") || code.contains(".index.");
            assert_eq!(
                reads,
                rule.uses_index(),
                "{}: reads the index: {reads}; declared: {}",
                rule.id,
                rule.uses_index()
            );
        }
    }

    #[test]
    fn every_query_compiles_and_ids_are_unique() {
        assert_eq!(QUERIES.len(), RULES.len());
        let per_rule: usize = QUERIES.iter().map(|q| q.pattern_count()).sum();
        assert_eq!(COMBINED.query.pattern_count(), per_rule, "the combined query keeps every pattern");
        for (i, q) in QUERIES.iter().enumerate() {
            let of_rule = COMBINED.rule_of_pattern.iter().filter(|&&r| r == i).count();
            assert_eq!(of_rule, q.pattern_count(), "patterns of {} are attributed to it", RULES[i].id);
        }
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            for heading in
                ["## What it does", "## Why it hurts under load", "## Example", "## Fix", "## What it cannot see"]
            {
                assert!(r.docs.contains(heading), "{} docs lack {heading:?}", r.id);
            }
        }
    }
}
