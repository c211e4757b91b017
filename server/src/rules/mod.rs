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

use std::collections::HashSet;
use std::sync::LazyLock;

pub use long_timeout::{duration_of, human_duration};

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator};

use crate::analysis::go::{self, Marks};
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
    /// Indexed by node kind id: what the walk does at a node of that kind ([`ANCHOR`], [`FACT`]).
    /// One table, so that the walk reads one byte per node before anything else.
    kinds_do: Vec<u8>,
    /// Per anchor kind (by kind id), every word in the text predicates (`#eq?`, `#any-of?`,
    /// `#match?`) of the patterns rooted there: a node whose key name (see [`may_start`]) is none
    /// of them cannot start those patterns.
    words: Vec<HashSet<String>>,
    /// The kind ids of the nodes [`may_start`] tells apart.
    kinds: Kinds,
}

/// Kind ids looked up once, so the walk compares numbers instead of kind names.
struct Kinds {
    call: u16,
    selector: u16,
    identifier: u16,
    field_identifier: u16,
    nil: u16,
    composite_literal: u16,
    parenthesized: u16,
    qualified_type: u16,
    map_type: u16,
    channel_type: u16,
    expression_list: u16,
    short_var_declaration: u16,
    assignment_statement: u16,
    expression_statement: u16,
    parameter_declaration: u16,
    parameter_list: u16,
    var_declaration: u16,
    var_spec_list: u16,
    for_statement: u16,
    select_statement: u16,
    var_spec: u16,
    /// The field `type` (of a composite literal, a parameter): fields by id, as names are searched
    /// by string on every call.
    type_field: u16,
    /// The field `value` of a `var` spec.
    value_field: u16,
}

impl Kinds {
    fn new() -> Kinds {
        let id = crate::analysis::go::kind_id;
        Kinds {
            call: id("call_expression"),
            selector: id("selector_expression"),
            identifier: id("identifier"),
            field_identifier: id("field_identifier"),
            nil: id("nil"),
            composite_literal: id("composite_literal"),
            parenthesized: id("parenthesized_expression"),
            qualified_type: id("qualified_type"),
            map_type: id("map_type"),
            channel_type: id("channel_type"),
            expression_list: id("expression_list"),
            short_var_declaration: id("short_var_declaration"),
            assignment_statement: id("assignment_statement"),
            expression_statement: id("expression_statement"),
            parameter_declaration: id("parameter_declaration"),
            parameter_list: id("parameter_list"),
            var_declaration: id("var_declaration"),
            var_spec_list: id("var_spec_list"),
            for_statement: id("for_statement"),
            select_statement: id("select_statement"),
            var_spec: id("var_spec"),
            type_field: go::field_id("type"),
            value_field: go::field_id("value"),
        }
    }
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
        let mut kinds_do = vec![0u8; lang.node_kind_count()];
        for kind in crate::endpoints::FACT_KINDS {
            kinds_do[crate::analysis::go::kind_id(kind) as usize] |= FACT;
        }
        for p in 0..query.pattern_count() {
            let root = root_kind(&source[query.start_byte_for_pattern(p)..])
                .unwrap_or_else(|| panic!("pattern {p} of the combined query does not start with a named node"));
            let mut known = false;
            for id in 0..lang.node_kind_count() {
                let id = id as u16;
                if lang.node_kind_is_named(id) && lang.node_kind_for_id(id) == Some(root) {
                    kinds_do[id as usize] |= ANCHOR;
                    known = true;
                }
            }
            assert!(known, "pattern {p} of the combined query starts with an unknown node kind `{root}`");
        }
        let kinds = Kinds::new();
        let mut words = vec![HashSet::new(); lang.node_kind_count()];
        let mut pattern_starts: Vec<usize> =
            (0..query.pattern_count()).map(|p| query.start_byte_for_pattern(p)).collect();
        pattern_starts.sort_unstable();
        pattern_starts.push(source.len());
        for span in pattern_starts.windows(2) {
            let pattern = &source[span[0]..span[1]];
            let Some(root) = root_kind(pattern) else { continue };
            let id = lang.id_for_node_kind(root, true) as usize;
            if id == kinds.call as usize {
                words[id].extend(callee_words(pattern).into_iter().map(str::to_string));
            } else {
                words[id].extend(predicate_words(pattern).map(str::to_string));
            }
        }
        Combined { query, rule_of_pattern, kinds_do, words, kinds }
    }
}

impl Combined {
    /// Files a match of the combined query under its rule.
    fn record<'t>(&'static self, m: &tree_sitter::QueryMatch<'_, 't>, out: &mut [Vec<Match<'t>>]) {
        let names = self.query.capture_names();
        let caps = m.captures.iter().map(|c| (names[c.index as usize], c.node)).collect();
        out[self.rule_of_pattern[m.pattern_index]].push(Match { caps });
    }
}

/// The node kind a pattern starts with: `call_expression` for `(call_expression function: …)`.
/// Every rule's pattern is rooted at one named node; a pattern that starts otherwise (an
/// alternation, a wildcard) would have no single kind to anchor on, and fails the build's tests.
fn root_kind(pattern: &str) -> Option<&str> {
    let rest = pattern.trim_start().strip_prefix('(')?.trim_start();
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let kind = &rest[..end];
    (!kind.is_empty() && kind != "_").then_some(kind)
}

/// The words of a pattern's quoted strings: the names its text predicates accept (`"Get"`, and
/// `Sprintf`, `Sprint`, … from `"^(Sprintf|Sprint)$"`). Comments are skipped; a word too many
/// costs only a query run that finds nothing.
fn predicate_words(pattern: &str) -> impl Iterator<Item = &str> {
    pattern
        .lines()
        .map(|l| l.split(';').next().unwrap_or(""))
        .flat_map(|l| l.split('"').skip(1).step_by(2))
        .flat_map(|q| q.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|w| !w.is_empty())
}

/// The words a call pattern accepts as the last name of the call's own callee, which is what
/// [`may_start`] tests at a call. The other words of such a pattern name calls nested in it
/// (empty-filter's `make`, the `time.Now().Add` of a deadline): a call named so starts none of
/// them, and `make`, `Now` and `Add` were the names of most calls the query ran at for nothing.
///
/// A pattern that does not look at the callee (no `function:` field at its root) contributes no
/// word: those are empty-filter's argument patterns, for which `may_start` tests the arguments.
/// One that looks at the callee in a way not read here contributes all its words, as before.
fn callee_words(pattern: &str) -> Vec<&str> {
    let tokens = tokens(pattern);
    let Some(function) = field_at_top(&tokens, "function:") else { return Vec::new() };
    let capture = match &tokens[function..] {
        ["(", "identifier", ")", capture, ..] => Some(*capture),
        ["(", "selector_expression", ..] => {
            field_at_top(&tokens[function..], "field:").and_then(|field| match &tokens[function + field..] {
                ["(", "field_identifier", ")", capture, ..] => Some(*capture),
                _ => None,
            })
        }
        _ => None,
    };
    let words: Vec<&str> = capture
        .filter(|c| c.starts_with('@'))
        .map(|capture| {
            // The strings of the predicates on the capture: `(#any-of? @fn "Get" "Post")`.
            let mut words = Vec::new();
            for (i, window) in tokens.windows(3).enumerate() {
                if window[0] == "(" && window[1].starts_with('#') && window[2] == capture {
                    let args = tokens[i + 3..].iter().take_while(|t| **t != ")");
                    words.extend(args.filter(|t| t.starts_with('"')).flat_map(|t| predicate_words(t)));
                }
            }
            words
        })
        .unwrap_or_default();
    if words.is_empty() {
        predicate_words(pattern).collect()
    } else {
        words
    }
}

/// A pattern's tokens, comments left out: parentheses, brackets, quoted strings (quotes kept) and
/// the words between them (`function:`, `identifier`, `@call`, `#eq?`, `.`).
fn tokens(pattern: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in pattern.lines() {
        let mut rest = line.trim_start();
        while let Some(c) = rest.chars().next() {
            let len = match c {
                ';' => break,
                '(' | ')' | '[' | ']' => 1,
                '"' => rest[1..].find('"').map_or(rest.len(), |end| end + 2),
                _ => rest.find(|c: char| c.is_whitespace() || "()[]\";".contains(c)).unwrap_or(rest.len()),
            };
            out.push(&rest[..len]);
            rest = rest[len..].trim_start();
        }
    }
    out
}

/// Where the node after field `name` of the first node of `tokens` begins (the index of its
/// first token), when that node has such a field among its own children.
fn field_at_top(tokens: &[&str], name: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate() {
        match *t {
            "(" | "[" => depth += 1,
            ")" | "]" => {
                depth -= 1;
                if depth == 0 {
                    return None;
                }
            }
            _ if depth == 1 && *t == name => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// What the walk does at a node of an anchor kind.
enum Start {
    /// Some pattern may start here.
    Run,
    /// Only a pattern testing a variable argument of this call may: see [`all_matches`].
    IfArgumentIsMap,
    /// No pattern can start here.
    Skip,
}

/// The last name of a call's callee: `Get` in `http.Get(…)`, `make` in `make(…)`.
fn callee_name<'t>(k: &Kinds, call: Node<'t>) -> Option<Node<'t>> {
    let callee = call.child(0)?;
    if callee.kind_id() == k.selector {
        callee.child(callee.child_count().checked_sub(1)?).filter(|f| f.kind_id() == k.field_identifier)
    } else {
        Some(callee).filter(|f| f.kind_id() == k.identifier)
    }
}

/// Whether a call's first argument is a map type, as in `make(map[K]V)`.
fn makes_a_map(k: &Kinds, call: Node<'_>) -> bool {
    let args = call.child(call.child_count().saturating_sub(1));
    args.and_then(|a| a.named_child(0)).is_some_and(|first| first.kind_id() == k.map_type)
}

/// Whether a call's first argument is a channel type, as in `make(chan T)`.
fn makes_a_chan(k: &Kinds, call: Node<'_>) -> bool {
    let args = call.child(call.child_count().saturating_sub(1));
    args.and_then(|a| a.named_child(0)).is_some_and(|first| first.kind_id() == k.channel_type)
}

/// The type name of a qualified type: `Client` in `http.Client`.
fn qualified_name<'t>(k: &Kinds, ty: Option<Node<'t>>) -> Option<Node<'t>> {
    let ty = ty.filter(|t| t.kind_id() == k.qualified_type)?;
    ty.child(ty.child_count().checked_sub(1)?)
}

/// Whether a pattern can start at `node`, an anchor, judged from a name or two near its top. Most
/// nodes of the anchor kinds (calls, `:=`, statements, parameters, literals) are none of what the
/// patterns look for, and a query run costs microseconds each even when it finds nothing. The
/// tests are supersets of what the patterns accept:
///
/// - a pattern rooted at a call names the callee (`ReadAll`, `Next`, `WithTimeout`; its last name
///   is among the words of [`callee_words`]), or tests an argument (empty-filter: `make(map…)`, a
///   map literal, `nil`, or a variable);
/// - one rooted at `:=` or `=` tests the first value, a call naming its callee, or at `:=` any
///   value that is a map (a literal, `make(map…)`, or one in parentheses);
/// - one rooted at an expression statement names the call it makes (`mu.Lock()`);
/// - one rooted at a parameter or a composite literal names its qualified type
///   (`http.HandlerFunc`, `http.Client{…}`);
/// - one rooted at a `for` loop or a `select` names a function inside it (`append`, `After`), so
///   its text holds that name: most loops and selects hold neither, and a query run at one walks
///   all of its body.
///
/// `anchored_matches_equal_the_full_query` checks, over every fixture, that nothing is lost.
fn may_start(combined: &Combined, node: Node<'_>, text: &[u8]) -> Start {
    let k = &combined.kinds;
    let kind = node.kind_id();
    let words = &combined.words[kind as usize];
    let known = |n: Node<'_>| std::str::from_utf8(&text[n.byte_range()]).is_ok_and(|name| words.contains(name));
    let callee_name = |call| callee_name(k, call);
    let qualified_name = |ty| qualified_name(k, ty);
    let run_if = |yes: bool| if yes { Start::Run } else { Start::Skip };
    // A value call a pattern may start at: one the patterns name, or `make(map…)`. The patterns
    // that name `make` make a map or a channel, so `make([]T, n)`, the most common `make`, is
    // none of theirs.
    let call_may_match = |call: Node<'_>| {
        let callee = self::callee_name(k, call);
        let named = callee.is_some_and(known);
        let makes = callee.is_some_and(|c| c.kind_id() == k.identifier && &text[c.byte_range()] == b"make");
        (named && (!makes || makes_a_map(k, call) || makes_a_chan(k, call))) || makes_a_map(k, call)
    };
    if kind == k.call {
        if callee_name(node).is_some_and(known) {
            return Start::Run;
        }
        let Some(args) = node.child(node.child_count().saturating_sub(1)) else { return Start::Skip };
        // A `nil`, `make(map…)` or map literal argument shows `nil` or `map` in the arguments'
        // text; without either, only a variable can match, and the end of the walk tests those
        // (a call without one fails that test as it would fail this one). Reading the text costs
        // less than visiting the arguments; it is bounded so that nested calls stay linear.
        let short = text.get(args.byte_range()).filter(|t| t.len() <= 256);
        if short.is_some_and(|t| !t.windows(3).any(|w| w == b"nil" || w == b"map")) {
            return Start::IfArgumentIsMap;
        }
        let mut variable = false;
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
            let kind = arg.kind_id();
            // empty-filter's argument patterns: `nil`, `make(map…)`, `map[K]V{…}`.
            let map_literal = || arg.child_by_field_id(k.type_field).is_some_and(|t| t.kind_id() == k.map_type);
            if kind == k.nil
                || (kind == k.call && makes_a_map(k, arg))
                || (kind == k.composite_literal && map_literal())
            {
                return Start::Run;
            }
            variable |= kind == k.identifier;
        }
        return if variable { Start::IfArgumentIsMap } else { Start::Skip };
    }
    // A value literal a pattern may start at: only empty-filter's patterns take one, rooted at `:=`
    // and at `var` specs, and only a map literal (or any parenthesized value). Struct and slice
    // literals are common values of `:=` and `=`, where the query found nothing.
    let map_literal = |value: Node<'_>| {
        value.kind_id() == k.composite_literal
            && value.child_by_field_id(k.type_field).is_some_and(|t| t.kind_id() == k.map_type)
    };
    // `var` specs are rare, and one without a value can be a map too (`var where map[K]V`).
    if kind == k.short_var_declaration || kind == k.assignment_statement {
        // The values: the last expression list (`a, b := v`).
        let last = node.child(node.child_count().saturating_sub(1));
        let Some(values) = last.filter(|l| l.kind_id() == k.expression_list) else { return Start::Skip };
        let Some(first) = values.named_child(0) else { return Start::Skip };
        let first_kind = first.kind_id();
        if first_kind == k.call && call_may_match(first) {
            return Start::Run;
        }
        // Empty-filter's map value may be any of the values (`n, seen := 0, map[K]V{}`); the other
        // patterns take the first, which, when a call, was tested above (`make(map…)` included).
        let map_value = |v: Node<'_>| {
            let kind = v.kind_id();
            kind == k.parenthesized || map_literal(v) || (kind == k.call && makes_a_map(k, v))
        };
        let others = 1..values.named_child_count();
        let declares_a_map = kind == k.short_var_declaration
            && ((first_kind != k.call && map_value(first))
                || others.into_iter().any(|i| values.named_child(i).is_some_and(map_value)));
        return run_if(declares_a_map);
    }
    // A `var` spec's patterns: a map type (empty-filter), or a value that is a map literal, a
    // parenthesized expression or a call the patterns name (`make`, `WithCancel`, `Get`, …).
    // Most `var` specs declare a plain variable or a constant-like value, where none can match.
    if kind == k.var_spec {
        if node.child_by_field_id(k.type_field).is_some_and(|t| t.kind_id() == k.map_type) {
            return Start::Run;
        }
        let Some(values) = node.child_by_field_id(k.value_field) else { return Start::Skip };
        let mut cursor = values.walk();
        let may_match = values.named_children(&mut cursor).any(|v| {
            let kind = v.kind_id();
            kind == k.parenthesized || map_literal(v) || (kind == k.call && call_may_match(v))
        });
        return run_if(may_match);
    }
    if kind == k.expression_statement {
        let call = node.named_child(0).filter(|c| c.kind_id() == k.call);
        return run_if(call.and_then(callee_name).is_some_and(known));
    }
    if kind == k.parameter_declaration || kind == k.composite_literal {
        return run_if(qualified_name(node.child_by_field_id(k.type_field)).is_some_and(known));
    }
    if kind == k.for_statement || kind == k.select_statement {
        let body = std::str::from_utf8(text.get(node.byte_range()).unwrap_or(&[])).unwrap_or("");
        return run_if(words.iter().any(|w| body.contains(w.as_str())));
    }
    Start::Run
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
/// `RULES`, and the nodes the endpoint facts read when the walk covered the whole file for every
/// rule (see [`FactNodes`]).
pub(crate) struct AllMatches<'t> {
    per_rule: Vec<Vec<Match<'t>>>,
    facts: Option<FactNodes<'t>>,
}

impl<'t> std::ops::Index<usize> for AllMatches<'t> {
    type Output = Vec<Match<'t>>;

    fn index(&self, rule: usize) -> &Vec<Match<'t>> {
        &self.per_rule[rule]
    }
}

impl<'t> AllMatches<'t> {
    /// The matches of the rule at `rule` (its index in `RULES`), without copying them.
    pub(crate) fn into_rule(mut self, rule: usize) -> Vec<Match<'t>> {
        self.per_rule.swap_remove(rule)
    }

    /// The nodes the endpoint facts read, when the walk covered the whole file for every rule.
    pub(crate) fn facts(&self) -> Option<&FactNodes<'t>> {
        self.facts.as_ref()
    }
}

/// The nodes of the kinds the endpoint facts read ([`crate::endpoints::FACT_KINDS`]: calls, `go`
/// statements and `:=`), collected by the walk that finds the rules' matches, so that the facts
/// need no walk of their own: it visits those nodes anyway, and a second walk cost almost as much
/// as the first.
pub(crate) struct FactNodes<'t> {
    /// In document order (the order of a preorder walk).
    nodes: Vec<Node<'t>>,
    /// Per top-level item (a child of the walked root), in document order: its start byte, its id,
    /// and the index in `nodes` of its first node (itself or a descendant). An item's nodes end
    /// where the next item's begin.
    items: Vec<(usize, usize, usize)>,
}

impl<'t> FactNodes<'t> {
    /// The fact nodes of a top-level item, itself and its descendants, in document order; `None`
    /// when `item` is not a child of the walked root.
    pub(crate) fn of_item(&self, item: Node<'_>) -> Option<&[Node<'t>]> {
        let start = item.start_byte();
        let first = self.items.partition_point(|&(s, _, _)| s < start);
        // Items with the same start are empty ones (a missing token) before the item itself.
        let at = first
            + self.items[first..]
                .iter()
                .take_while(|&&(s, _, _)| s == start)
                .position(|&(_, id, _)| id == item.id())?;
        let end = self.items.get(at + 1).map_or(self.nodes.len(), |&(_, _, begin)| begin);
        Some(&self.nodes[self.items[at].2..end])
    }
}

/// Where in `text` (which starts at byte `offset` of the file) a node that the walk of
/// [`all_matches`] stops at may be, as sorted byte offsets: every `(` (a call's arguments, a
/// parameter list, a `var (…)` block), every `{` (a composite literal's body, the body of a `for`
/// or a `select`), every `=` of an assignment or a `:=` (not of `==`, `!=`, `<=` or `>=`), and
/// the words `go`, `defer` and `var`. Every node of an anchor kind that [`may_start`] lets through
/// and every node the facts read holds one of these, or is a parameter or a `var` spec, whose
/// parent holds one (its parameter list's `(`, its declaration's `var` or its block's `(`). So a
/// subtree whose text holds none of them (and no syntax error, where a missing token could make
/// such a node without its mark) holds none of those nodes below its root, and the walk need not
/// enter it: names, selectors, literals, types, conditions and comments are most of a tree's
/// nodes.
///
/// Only the marks within `range` are returned, but each is told by the bytes around it in the
/// whole `text`, so they are exactly the whole text's marks that fall in `range`.
fn walk_marks(text: &[u8], range: std::ops::Range<usize>) -> Vec<usize> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let at = |i: usize| text.get(i).copied();
    let keyword = |i: usize, w: &[u8]| {
        text[i..].starts_with(w)
            && !at(i + w.len()).is_some_and(word)
            && !i.checked_sub(1).is_some_and(|p| word(text[p]))
    };
    let mut marks = Vec::new();
    let start = range.start.min(text.len());
    let end = range.end.clamp(start, text.len());
    for (i, &b) in text[start..end].iter().enumerate().map(|(i, b)| (start + i, b)) {
        let mark = match b {
            b'(' | b'{' => true,
            // `=`, `:=`, `+=`, `<<=`, … but not `==`, `!=`, `<=`, `>=`.
            b'=' => {
                let before = |n: usize| i.checked_sub(n).and_then(at);
                at(i + 1) != Some(b'=')
                    && match before(1) {
                        Some(b'=' | b'!') => false,
                        Some(c @ (b'<' | b'>')) => before(2) == Some(c),
                        _ => true,
                    }
            }
            b'g' => keyword(i, b"go"),
            b'd' => keyword(i, b"defer"),
            b'v' => keyword(i, b"var"),
            _ => false,
        };
        if mark {
            marks.push(i);
        }
    }
    marks
}

/// What the walk does at a node of a kind: run the query where [`may_start`] lets it.
const ANCHOR: u8 = 1;
/// What the walk does at a node of a kind: keep it for the endpoint facts ([`FactNodes`]).
const FACT: u8 = 2;

/// Runs the combined query once over `root`, within `focus` when given; with `index_rules_only`,
/// only the patterns of the rules that use the index, leaving the other rules without matches.
/// Over the whole file for every rule, it also collects the nodes the endpoint facts read.
pub(crate) fn all_matches<'t>(
    text: &str,
    root: Node<'t>,
    focus: Option<&std::ops::Range<usize>>,
    index_rules_only: bool,
) -> AllMatches<'t> {
    let combined = if index_rules_only { &*COMBINED_INDEX_RULES } else { &*COMBINED };
    let mut out: Vec<Vec<Match<'t>>> = vec![Vec::new(); RULES.len()];
    // The facts are read from a whole file's analysis by every rule; a focused or partial one
    // leaves them to their own walk.
    let mut facts = (focus.is_none() && !index_rules_only).then(|| FactNodes { nodes: Vec::new(), items: Vec::new() });
    // The query runs at each node where one of its patterns can start (an anchor kind that
    // [`may_start`] lets through), and goes no deeper than that pattern needs:
    // `max_start_depth(0)` starts no pattern below the node it is given. The walk that finds those
    // nodes is a plain cursor walk, which costs a fraction of the query cursor's own visit of
    // every node: that visit, not the pattern tests, was most of the cost of matching, more than
    // half a parse. Each match is found once, at its root node, so the matches are those of one
    // run of the query over the whole tree.
    let mut cursor = QueryCursor::new();
    cursor.set_match_limit(MATCH_LIMIT);
    cursor.set_max_start_depth(Some(0));
    if let Some(focus) = focus {
        cursor.set_byte_range(focus.clone());
    }
    let mut exceeded = false;
    let mut run = |node: Node<'t>, out: &mut Vec<Vec<Match<'t>>>| {
        let mut it = cursor.matches(&combined.query, node, text.as_bytes());
        while let Some(m) = it.next() {
            combined.record(m, out);
        }
        drop(it);
        exceeded |= cursor.did_exceed_match_limit();
    };
    // Calls whose only candidate patterns test a variable argument: see below.
    let mut with_variables = Vec::new();
    // A focused walk (a keystroke's) goes straight to the top-level items the focus touches, and
    // only their text is scanned for marks: scanning the whole file, or stepping through every item
    // of a large file to test it against the focus, cost more than the walk of the edited item.
    let touched = focus.map(|f| items_touching(root, f));
    let range = match &touched {
        Some(items) => items.first().zip(items.last()).map_or(0..0, |(a, b)| a.start_byte()..b.end_byte()),
        None => root.byte_range(),
    };
    let mut marks = Marks::new(walk_marks(text.as_bytes(), range));
    let k = &combined.kinds;
    // A parameter or a `var` spec holds no mark of its own (its parent's `(` or `var` is the mark),
    // so every child of their parents is visited.
    let every_child = |node: Node<'t>| {
        let kind = node.kind_id();
        kind == k.parameter_list || kind == k.var_declaration || kind == k.var_spec_list
    };
    // The walk enters only the subtrees whose text holds a mark (or a syntax error): see
    // [`walk_marks`] and [`go::walk_marked`]. `root` is always entered, so that every top-level
    // item is seen (`FactNodes::items`).
    let mut visit = |node: Node<'t>, depth: usize, _| {
        if !focus.is_none_or(|f| intersects(node, f)) {
            return false;
        }
        let todo = combined.kinds_do.get(node.kind_id() as usize).copied().unwrap_or(0);
        if let Some(facts) = &mut facts {
            if depth == 1 {
                facts.items.push((node.start_byte(), node.id(), facts.nodes.len()));
            }
            if todo & FACT != 0 {
                facts.nodes.push(node);
            }
        }
        if todo & ANCHOR != 0 {
            match may_start(combined, node, text.as_bytes()) {
                Start::Run => run(node, &mut out),
                Start::IfArgumentIsMap => with_variables.push(node),
                Start::Skip => {}
            }
        }
        true
    };
    match touched {
        // Each item is walked as a root of its own, whose every child is visited: visiting a node
        // the walk from the file's root would skip finds nothing more (it holds no mark, so no
        // match starts there), and the facts, which read the depth, are not collected when focused.
        Some(items) => {
            for item in items {
                go::walk_marked(item, &mut marks, every_child, &mut visit);
            }
        }
        None => go::walk_marked(root, &mut marks, every_child, visit),
    }
    // The one pattern that matches a variable argument (empty-filter's) would match nearly every
    // call; its rule keeps only the variables that the same matches declare as maps (`map.name`).
    // So a call with nothing else to match runs the query only when one of its variables has
    // such a name, after the walk has found the declarations.
    if !with_variables.is_empty() {
        let maps: HashSet<&str> =
            out.iter().flatten().filter_map(|m| m.get("map.name")).map(|n| &text[n.byte_range()]).collect();
        if !maps.is_empty() {
            for call in with_variables {
                let args = call.child(call.child_count().saturating_sub(1));
                let mut cursor = call.walk();
                let named_map = args.is_some_and(|a| {
                    a.named_children(&mut cursor)
                        .any(|arg| arg.kind_id() == combined.kinds.identifier && maps.contains(&text[arg.byte_range()]))
                });
                if named_map {
                    run(call, &mut out);
                }
            }
        }
    }
    if exceeded {
        tracing::debug!("query match limit reached; some findings in this file may be missing");
    }
    AllMatches { per_rule: out, facts }
}

/// The children of `root` that intersect `focus` (as [`intersects`] decides), in order.
fn items_touching<'t>(root: Node<'t>, focus: &std::ops::Range<usize>) -> Vec<Node<'t>> {
    let mut cursor = root.walk();
    // The children are in order and do not overlap, so those before the first that ends at or
    // after the focus's start all end before it, and precede the focus. The cursor finds that
    // child (the first that ends past `start - 1`) without making a node of each child before it.
    // It finds none when the byte lies in a hidden token at the end of a hidden node (the newline
    // that ends a top-level item): then the children are tested from the first one.
    let found = focus.start.checked_sub(1).is_some_and(|before| cursor.goto_first_child_for_byte(before).is_some())
        || cursor.goto_first_child();
    let mut items = Vec::new();
    if !found {
        return items;
    }
    loop {
        let child = cursor.node();
        if child.start_byte() > focus.end {
            break;
        }
        if intersects(child, focus) {
            items.push(child);
        }
        if !cursor.goto_next_sibling() {
            break;
        }
    }
    items
}

/// Whether `node` intersects `range` as tree-sitter's query cursor decides it for a byte range: an
/// empty node at the range's start does, a non-empty node that ends there does not.
fn intersects(node: Node<'_>, range: &std::ops::Range<usize>) -> bool {
    let (start, end) = (node.start_byte(), node.end_byte());
    let precedes = end < range.start || (end == range.start && start != end);
    !precedes && start < range.end
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

    /// A match as comparable data: its rule, and each capture's name and byte range, sorted.
    type Flat = (usize, Vec<(&'static str, (usize, usize))>);

    fn flatten(all: &[Vec<Match<'_>>]) -> Vec<Flat> {
        let mut out: Vec<Flat> = all
            .iter()
            .enumerate()
            .flat_map(|(rule, ms)| {
                ms.iter().map(move |m| {
                    (rule, m.caps.iter().map(|(n, node)| (*n, (node.start_byte(), node.end_byte()))).collect())
                })
            })
            .collect();
        out.sort();
        out
    }

    /// The matches of one plain run of the combined query over the tree: what the anchored walk
    /// must reproduce.
    fn full_query<'t>(
        text: &str,
        root: Node<'t>,
        focus: Option<&std::ops::Range<usize>>,
        index_rules_only: bool,
    ) -> Vec<Vec<Match<'t>>> {
        let combined = if index_rules_only { &*COMBINED_INDEX_RULES } else { &*COMBINED };
        let mut cursor = QueryCursor::new();
        cursor.set_match_limit(MATCH_LIMIT);
        if let Some(focus) = focus {
            cursor.set_byte_range(focus.clone());
        }
        let mut out: Vec<Vec<Match<'t>>> = vec![Vec::new(); RULES.len()];
        let mut it = cursor.matches(&combined.query, root, text.as_bytes());
        while let Some(m) = it.next() {
            combined.record(m, &mut out);
        }
        out
    }

    /// The anchored walk of [`all_matches`] finds what one run of the combined query finds, over
    /// every Go file of the fixtures and the example service, whole and within focus ranges, and
    /// over cut and damaged copies of them (whose syntax errors the walk enters whether or not
    /// their text shows a mark), for all rules and for the index rules alone. Both sides leave out, by design, a variable
    /// argument (`arg.var`) that names no map declared in the same matches: empty-filter discards
    /// those unread, and the walk finds them only at calls it runs the query at anyway.
    #[test]
    fn anchored_matches_equal_the_full_query() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        // `GOHAZARD_MATCH_DIRS=dir1:dir2` adds a real project or two to compare over.
        let extra = std::env::var("GOHAZARD_MATCH_DIRS").unwrap_or_default();
        let dirs = [root.join("tests"), root.join("examples")]
            .into_iter()
            .chain(extra.split(':').filter(|d| !d.is_empty()).map(std::path::PathBuf::from));
        let files: Vec<_> = dirs.flat_map(|d| walk_go(&d)).collect();
        assert!(files.len() > 100, "the fixtures were not found: {}", files.len());
        let fixtures = walk_go(&root.join("tests")).len() + walk_go(&root.join("examples")).len();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_go::LANGUAGE.into()).unwrap();
        let boundary = |text: &str, mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (mut compared, mut matched) = (0, 0);
        for (i, path) in files.iter().enumerate() {
            let Ok(whole) = std::fs::read_to_string(path) else { continue };
            // The fixtures are also cut short, and have a few bytes taken out of a line, at seven
            // places each; those copies are compared whole only.
            let mut variants = vec![whole.clone()];
            for k in (1..8).filter(|_| i < fixtures) {
                let cut = boundary(&whole, whole.len() * k / 8);
                variants.push(whole[..cut].to_string());
                let end = boundary(&whole, (cut + 3).min(whole.len()));
                variants.push(format!("{}{}", &whole[..cut], &whole[end..]));
            }
            for (v, text) in variants.iter().enumerate() {
                let tree = parser.parse(text, None).unwrap();
                let mid = text.len() / 2;
                // Besides halves that cut through an item, the focus of a keystroke: the top-level
                // item around the middle.
                let item = tree.root_node().first_child_for_byte(mid).map_or(mid..mid, |n| n.byte_range());
                let focuses = if v == 0 {
                    &[None, Some(0..mid), Some(mid..text.len()), Some(mid..mid), Some(item)][..]
                } else {
                    &[None]
                };
                for focus in focuses {
                    for index_rules_only in [false, true] {
                        let full = full_query(text, tree.root_node(), focus.as_ref(), index_rules_only);
                        let maps: HashSet<&str> = full
                            .iter()
                            .flatten()
                            .filter_map(|m| m.get("map.name"))
                            .map(|n| &text[n.byte_range()])
                            .collect();
                        let read = |(_, caps): &Flat| {
                            caps.iter().all(|(name, (s, e))| *name != "arg.var" || maps.contains(&text[*s..*e]))
                        };
                        let mut full = flatten(&full);
                        full.retain(read);
                        let mut anchored =
                            flatten(&all_matches(text, tree.root_node(), focus.as_ref(), index_rules_only).per_rule);
                        anchored.retain(read);
                        assert_eq!(
                            anchored,
                            full,
                            "{} (focus {focus:?}, index rules only: {index_rules_only})",
                            path.display()
                        );
                        compared += 1;
                        matched += anchored.len();
                    }
                }
            }
        }
        assert!(compared > 800 && matched > 1000, "too little compared: {compared} runs, {matched} matches");
    }

    /// At a call, only the names its patterns test the callee's name against start a query run; the
    /// names of calls nested in a pattern (empty-filter's `make`, a deadline's `time.Now().Add`) do
    /// not.
    #[test]
    fn call_words_are_the_names_of_callees() {
        let words = &COMBINED.words[COMBINED.kinds.call as usize];
        for name in ["Get", "Errorf", "ReadAll", "Tick", "WithDeadline", "Background", "Next", "Copy"] {
            assert!(words.contains(name), "{name} is missing");
        }
        for name in ["make", "Now", "Add"] {
            assert!(!words.contains(name), "{name} is not a callee's name");
        }
        let panic = r#"(call_expression function: (identifier) @f arguments: (_) (#eq? @f "panic")) @c"#;
        assert_eq!(callee_words(panic), ["panic"]);
        // A pattern that does not look at the callee leaves the call to the argument tests.
        assert!(callee_words(r#"(call_expression arguments: (argument_list (nil) @n)) @c"#).is_empty());
        // One whose test of the callee is not read keeps all its words.
        let either = r#"(call_expression function: [(identifier) (selector_expression)] @f (#eq? @f "Do"))"#;
        assert_eq!(callee_words(either), ["Do"]);
    }

    /// Empty-filter's `:=` declares a map whichever of the values it is; the walk once looked only
    /// at the first value, and missed `seen` in `n, seen := 0, map[string]bool{}`.
    #[test]
    fn a_map_declared_beside_other_values_is_matched() {
        let text = "package p\n\nfunc f(ids []string) {\n\tn, seen := 0, map[string]bool{}\n\tuse(n, seen)\n}\n";
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_go::LANGUAGE.into()).unwrap();
        let tree = parser.parse(text, None).unwrap();
        let anchored = flatten(&all_matches(text, tree.root_node(), None, false).per_rule);
        let maps: Vec<&str> = anchored
            .iter()
            .flat_map(|(_, caps)| caps.iter().filter(|(name, _)| *name == "map.name").map(|(_, (s, e))| &text[*s..*e]))
            .collect();
        assert!(maps.contains(&"seen"), "{maps:?}");
        assert_eq!(anchored, flatten(&full_query(text, tree.root_node(), None, false)));
    }

    /// A focused walk starts at the top-level items `items_touching` finds: exactly the children
    /// of the root that intersect the focus, for a focus on each item, on the gap or edge before
    /// it, and reaching into the next, over every fixture and a cut copy of each.
    #[test]
    fn items_touching_are_the_children_that_intersect_the_focus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_go::LANGUAGE.into()).unwrap();
        let mut focuses_tried = 0;
        for path in walk_go(&root.join("tests")) {
            let whole = std::fs::read_to_string(&path).unwrap();
            let mut cut = whole.len() / 3;
            while !whole.is_char_boundary(cut) {
                cut -= 1;
            }
            for text in [whole.as_str(), &whole[..cut]] {
                let tree = parser.parse(text, None).unwrap();
                let top = tree.root_node();
                let mut cursor = top.walk();
                let children: Vec<Node<'_>> = top.children(&mut cursor).collect();
                let mut focuses = vec![0..0, 0..text.len(), text.len()..text.len()];
                for (i, c) in children.iter().enumerate() {
                    let (s, e) = (c.start_byte(), c.end_byte());
                    let next_end = children.get(i + 1).map_or(text.len(), |n| n.end_byte());
                    focuses.extend([s..e, s..s, e..e, s.saturating_sub(1)..s, e..next_end, s + 1..e.max(s + 1)]);
                }
                for focus in focuses {
                    let want: Vec<usize> =
                        children.iter().filter(|c| intersects(**c, &focus)).map(|c| c.id()).collect();
                    let got: Vec<usize> = items_touching(top, &focus).iter().map(|c| c.id()).collect();
                    assert_eq!(got, want, "{} (focus {focus:?})", path.display());
                    focuses_tried += 1;
                }
            }
        }
        assert!(focuses_tried > 1000, "too few focuses tried: {focuses_tried}");
    }

    fn walk_go(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk_go(&path));
            } else if path.extension().is_some_and(|e| e == "go") {
                out.push(path);
            }
        }
        out
    }

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
