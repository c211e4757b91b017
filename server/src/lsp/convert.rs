//! Findings to protocol types. Positions go through `crate::text` with the negotiated encoding,
//! against the text the findings were computed on.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};

use ropey::Rope;
use tower_lsp_server::ls_types::*;

use super::document::Analysis;
use crate::analysis::{Finding, Severity};
use crate::rules;
use crate::text::{byte_to_linecol, linecol_to_byte, Encoding, LineCol};

/// The code action kind of "apply every safe fix in the file", as editors configure it in
/// `editor.codeActionsOnSave`.
pub(super) const FIX_ALL_KIND: &str = "source.fixAll.gohazard";

fn position(rope: &Rope, byte: usize, enc: Encoding) -> Position {
    let lc = byte_to_linecol(rope, byte, enc);
    Position { line: lc.line as u32, character: lc.col as u32 }
}

fn range(rope: &Rope, r: &std::ops::Range<usize>, enc: Encoding) -> Range {
    Range { start: position(rope, r.start, enc), end: position(rope, r.end, enc) }
}

fn to_byte(rope: &Rope, p: Position, enc: Encoding) -> usize {
    linecol_to_byte(rope, LineCol { line: p.line as usize, col: p.character as usize }, enc)
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// Each rule's documentation link, parsed once: every published diagnostic carries one, and a
/// keystroke republishes every finding of the file.
static DOCS_URIS: LazyLock<HashMap<&'static str, Uri>> = LazyLock::new(|| {
    rules::RULES.iter().filter_map(|r| Some((r.id, Uri::from_str(&rules::docs_url(r.id)).ok()?))).collect()
});

fn docs_uri(rule: &str) -> Option<Uri> {
    match DOCS_URIS.get(rule) {
        Some(uri) => Some(uri.clone()),
        None => Uri::from_str(&rules::docs_url(rule)).ok(),
    }
}

pub(super) fn diagnostic(uri: &Uri, rope: &Rope, f: &Finding, enc: Encoding) -> Diagnostic {
    diagnostic_at(uri, f, |r| range(rope, r, enc))
}

/// The diagnostic of `f`, with `range_of` giving the position of each of its ranges.
fn diagnostic_at(uri: &Uri, f: &Finding, mut range_of: impl FnMut(&std::ops::Range<usize>) -> Range) -> Diagnostic {
    let main = range_of(&f.range);
    let related: Vec<_> = f
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location { uri: uri.clone(), range: range_of(&r.range) },
            message: r.message.clone(),
        })
        .collect();
    Diagnostic {
        range: main,
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.to_string())),
        code_description: docs_uri(f.rule).map(|href| CodeDescription { href }),
        source: Some("gohazard".to_string()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

pub(super) fn diagnostics(uri: &Uri, a: &Analysis, enc: Encoding) -> Vec<Diagnostic> {
    a.findings.iter().map(|f| diagnostic(uri, &a.rope, f, enc)).collect()
}

/// The positions of the diagnostics last published for a document, so that the next publish
/// converts only the ranges an edit moved: a keystroke republishes every finding of the file, and
/// converting each of their offsets through the rope was most of the conversion's time.
pub(super) struct Positions {
    text: Arc<String>,
    findings: Arc<Vec<Finding>>,
    lines: usize,
    enc: Encoding,
    /// Each finding's range, then those of its related locations, one finding after the other.
    ranges: Vec<Range>,
    /// Where each finding's ranges start in `ranges`.
    starts: Vec<usize>,
}

/// Like [`diagnostics`], taking from `last` the positions of every finding that lies wholly in the
/// text before or after what changed since, at the same offsets there (moved by the change of
/// length after it). Before the change, the text up to and around an offset is the same, so is
/// its position. After it, an offset past the first line break that follows the change and is
/// not the first byte after it has the same column and a line moved by the change of line count:
/// every line break from there on is the same. Returns the positions for the next publish.
pub(super) fn diagnostics_reusing(
    uri: &Uri,
    a: &Analysis,
    enc: Encoding,
    last: Option<&Positions>,
) -> (Vec<Diagnostic>, Positions) {
    // Bytes that must be unchanged after an offset before the change: a position depends on the
    // character and the line break at the offset, which may span a few bytes.
    const MARGIN: usize = 8;
    let text = a.text.as_str();
    let reuse = last.filter(|l| l.enc == enc).map(|l| {
        let (prefix, suffix) = crate::text::common_ends(&l.text, text);
        let suffix_start = text.len() - suffix;
        let after =
            text.get(suffix_start + 1..).and_then(|t| t.find('\n')).map_or(usize::MAX, |i| suffix_start + i + 2);
        let lines = a.rope.len_lines() as i64 - l.lines as i64;
        (l, prefix.saturating_sub(MARGIN), after, lines)
    });
    let mut out = Positions {
        text: a.text.clone(),
        findings: a.findings.clone(),
        lines: a.rope.len_lines(),
        enc,
        ranges: Vec::with_capacity(last.map_or(a.findings.len(), |l| l.ranges.len())),
        starts: Vec::with_capacity(a.findings.len()),
    };
    let diags = a
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let offsets = || std::iter::once(&f.range).chain(f.related.iter().map(|r| &r.range));
            let old = reuse.as_ref().and_then(|&(l, before, after, lines)| {
                let (j, shift, lines) = if offsets().all(|r| r.start.max(r.end) < before) {
                    (i, 0, 0)
                } else if offsets().all(|r| r.start.min(r.end) >= after) {
                    (
                        (i + l.findings.len()).checked_sub(a.findings.len())?,
                        l.text.len() as i64 - text.len() as i64,
                        lines,
                    )
                } else {
                    return None;
                };
                let g = l.findings.get(j)?;
                let moved = |r: &std::ops::Range<usize>| (r.start as i64 + shift, r.end as i64 + shift);
                let same = g.related.len() == f.related.len()
                    && std::iter::once(&g.range)
                        .chain(g.related.iter().map(|r| &r.range))
                        .zip(offsets())
                        .all(|(o, n)| (o.start as i64, o.end as i64) == moved(n));
                same.then(|| (&l.ranges[l.starts[j]..l.starts[j] + 1 + g.related.len()], lines))
            });
            out.starts.push(out.ranges.len());
            match old {
                Some((ranges, lines)) => {
                    let mut k = 0;
                    diagnostic_at(uri, f, |offsets| {
                        let mut r = ranges[k];
                        k += 1;
                        r.start.line = (i64::from(r.start.line) + lines) as u32;
                        r.end.line = (i64::from(r.end.line) + lines) as u32;
                        debug_assert_eq!(r, range(&a.rope, offsets, enc), "a kept position is the converted one");
                        out.ranges.push(r);
                        r
                    })
                }
                None => diagnostic_at(uri, f, |r| {
                    let r = range(&a.rope, r, enc);
                    out.ranges.push(r);
                    r
                }),
            }
        })
        .collect();
    (diags, out)
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..Default::default() }
}

/// Quick fixes and "suppress" actions for the findings that touch the requested range. They are
/// computed from the range alone because some clients (Vim's ALE) send back neither `data` nor
/// `source` of diagnostics.
pub(super) fn quick_fixes(uri: &Uri, a: &Analysis, req: Range, enc: Encoding) -> Vec<CodeActionOrCommand> {
    let start = to_byte(&a.rope, req.start, enc);
    let end = to_byte(&a.rope, req.end, enc).max(start);
    let mut fixes = Vec::new();
    let mut suppress = Vec::new();
    for f in a.findings.iter().filter(|f| f.range.start <= end && start <= f.range.end) {
        let diag = diagnostic(uri, &a.rope, f, enc);
        for fix in &f.fixes {
            let edits = fix
                .edits
                .iter()
                .map(|e| TextEdit { range: range(&a.rope, &e.range, enc), new_text: e.new_text.clone() })
                .collect();
            fixes.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diag.clone()]),
                edit: Some(workspace_edit(uri, edits)),
                is_preferred: Some(fix.preferred),
                ..Default::default()
            }));
        }
        suppress.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Suppress {} on this line", f.rule),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diag]),
            edit: Some(workspace_edit(uri, vec![suppression_edit(a, f, enc)])),
            is_preferred: Some(false),
            ..Default::default()
        }));
    }
    // Real fixes first; suppressions are the last resort.
    fixes.extend(suppress);
    fixes
}

/// Inserts `//gohazard:ignore RULE reason` on its own line above the finding, with the line's
/// indentation. On its own line it also works where the flagged line ends in a comment already.
fn suppression_edit(a: &Analysis, f: &Finding, enc: Encoding) -> TextEdit {
    let text = a.text.as_str();
    let line_start = text[..f.range.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let newline = if text[line_start..].split('\n').next().is_some_and(|l| l.ends_with('\r')) { "\r\n" } else { "\n" };
    let at = position(&a.rope, line_start, enc);
    TextEdit {
        range: Range { start: at, end: at },
        new_text: format!("{indent}//gohazard:ignore {} TODO: explain why this is safe{newline}", f.rule),
    }
}

/// One edit that turns `a.text` into `fixed`: the smallest middle span that differs, so the
/// editor keeps the cursor and undo history of the untouched parts.
pub(super) fn fix_all_action(
    uri: &Uri,
    a: &Analysis,
    fixed: &str,
    applied: usize,
    enc: Encoding,
) -> CodeActionOrCommand {
    let old = a.text.as_str();
    let prefix = old.bytes().zip(fixed.bytes()).take_while(|(x, y)| x == y).count();
    let mut prefix = prefix.min(old.len()).min(fixed.len());
    while !old.is_char_boundary(prefix) || !fixed.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = (old.len() - prefix).min(fixed.len() - prefix);
    let mut suffix = old.bytes().rev().zip(fixed.bytes().rev()).take(max_suffix).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(old.len() - suffix) || !fixed.is_char_boundary(fixed.len() - suffix) {
        suffix -= 1;
    }
    let edit = TextEdit {
        range: range(&a.rope, &(prefix..old.len() - suffix), enc),
        new_text: fixed[prefix..fixed.len() - suffix].to_string(),
    };
    CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Fix all gohazard findings ({applied} fix{})", if applied == 1 { "" } else { "es" }),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        edit: Some(workspace_edit(uri, vec![edit])),
        ..Default::default()
    })
}

/// The section of a rule's docs under `heading`, up to the next heading.
fn docs_section(docs: &str, heading: &str) -> Option<String> {
    let start = docs.find(heading)? + heading.len();
    let rest = &docs[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

/// Hover over a flagged range: the message, why it hurts under load, and a link to the rule page.
pub(super) fn hover(a: &Analysis, pos: Position, enc: Encoding) -> Option<Hover> {
    let byte = to_byte(&a.rope, pos, enc);
    let hits: Vec<&Finding> = a.findings.iter().filter(|f| f.range.start <= byte && byte <= f.range.end).collect();
    let first = hits.first()?;
    let mut md = String::new();
    for f in &hits {
        let rule = rules::find(f.rule)?;
        md.push_str(&format!("**gohazard `{}`**: {}\n\n{}\n\n", rule.id, rule.summary, f.message));
        if let Some(why) = docs_section(rule.docs, "## Why it hurts under load") {
            md.push_str(&format!("**Under load:** {why}\n\n"));
        }
        if let Some(fix) = f.fixes.iter().find(|x| x.preferred) {
            md.push_str(&format!("**Fix:** {} (quick fix available)\n\n", fix.title));
        }
        md.push_str(&format!("[Rule documentation]({})\n\n", rules::docs_url(rule.id)));
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: md.trim_end().to_string() }),
        range: Some(range(&a.rope, &first.range, enc)),
    })
}

pub(super) fn full_report(result_id: Option<String>, items: Vec<Diagnostic>) -> DocumentDiagnosticReportResult {
    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
        related_documents: None,
        full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
    }))
}

pub(super) fn unchanged_report(result_id: String) -> DocumentDiagnosticReportResult {
    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Unchanged(
        RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
        },
    ))
}

pub(super) fn workspace_item(
    uri: Uri,
    version: Option<i64>,
    items: Vec<Diagnostic>,
) -> WorkspaceDocumentDiagnosticReport {
    WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
        uri,
        version,
        full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
    })
}

/// Code lenses above the handlers declared in this document: what one request to each of their
/// routes turns into.
pub(super) fn endpoint_lenses(
    uri: &str,
    a: &Analysis,
    summaries: &[crate::endpoints::Summary],
    enc: Encoding,
) -> Vec<CodeLens> {
    let mut out: Vec<CodeLens> = Vec::new();
    for s in summaries {
        let Some(loc) = s.handler_loc.as_ref().filter(|l| l.file == uri) else { continue };
        if a.text.get(loc.range.clone()).is_none() {
            continue;
        }
        out.push(CodeLens {
            range: range(&a.rope, &loc.range, enc),
            command: Some(Command { title: lens_title(s), command: String::new(), arguments: None }),
            data: None,
        });
    }
    for (loc, uses) in middleware_in(uri, a, summaries) {
        out.push(CodeLens {
            range: range(&a.rope, &loc.range, enc),
            command: Some(Command { title: middleware_title(&uses), command: String::new(), arguments: None }),
            data: None,
        });
    }
    out
}

/// What the endpoint lenses of every file show, without where: a handler's file and its lens's
/// title, and per middleware use its file, its name, the route and the doubling it adds. The
/// lenses of the document being edited move with its text and the client asks for them again on
/// its own; only a change of these tells that another file's lenses went stale.
pub(super) fn lens_contents(summaries: &[crate::endpoints::Summary]) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    for s in summaries {
        if let Some(loc) = &s.handler_loc {
            out.push((loc.file.as_str(), lens_title(s)));
        }
        for m in &s.middleware {
            out.push((m.loc.file.as_str(), format!("{} {} {} {}", m.name, s.method, s.path, m.doubles)));
        }
    }
    out.sort_unstable();
    out
}

/// The middleware declared in this document, each with the routes whose chains hold it.
fn middleware_in<'s>(
    uri: &str,
    a: &Analysis,
    summaries: &'s [crate::endpoints::Summary],
) -> Vec<(crate::endpoints::Loc, Vec<(&'s crate::endpoints::Summary, u32)>)> {
    let mut out: Vec<(crate::endpoints::Loc, Vec<(&crate::endpoints::Summary, u32)>)> = Vec::new();
    for s in summaries {
        for m in s.middleware.iter().filter(|m| m.loc.file == uri && a.text.get(m.loc.range.clone()).is_some()) {
            match out.iter_mut().find(|(l, _)| l.range == m.loc.range) {
                Some((_, uses)) if !uses.iter().any(|(u, _)| std::ptr::eq(*u, s)) => uses.push((s, m.doubles)),
                Some(_) => {}
                None => out.push((m.loc.clone(), vec![(s, m.doubles)])),
            }
        }
    }
    out
}

/// `middleware on 5 routes · runs each handler ×2`.
fn middleware_title(uses: &[(&crate::endpoints::Summary, u32)]) -> String {
    let n = uses.len();
    let mut title = format!("middleware on {n} route{}", if n == 1 { "" } else { "s" });
    if let Some(d) = uses.iter().map(|(_, d)| *d).max().filter(|d| *d > 0) {
        title.push_str(&format!(" · runs each handler ×{}", 1u64 << d.min(32)));
    }
    title
}

/// `GET /users/:id · ×2 runs · 8 goroutines/request · live ≤ 15s`: the factors that are not 1.
fn lens_title(s: &crate::endpoints::Summary) -> String {
    let mut parts = vec![format!("{} {}", s.method, s.path)];
    if s.runs > 1 {
        parts.push(format!("×{} runs", s.runs));
    }
    if s.goroutines > 0 {
        parts.push(format!("{}{} goroutines/request", if s.per_item { "≥" } else { "" }, s.goroutines_per_request()));
    }
    if let Some((d, _)) = &s.lifetime {
        parts.push(format!("live ≤ {}", crate::rules::human_duration(*d)));
    }
    if !s.unresolved.is_empty() {
        parts.push("partly unresolved".to_string());
    }
    parts.join(" · ")
}

/// Escapes the characters Markdown would take for emphasis or links (`(*handlers.Users).Get`).
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Markdown link to a factor's place: the path relative to its workspace folder, and the URI
/// with a `#L<line>` fragment, which editors open at the line.
fn md_link(loc: &crate::endpoints::Loc, folders: &[String]) -> String {
    let shown = folders
        .iter()
        .find_map(|f| loc.file.strip_prefix(f.as_str()).and_then(|r| r.strip_prefix('/')))
        .unwrap_or(&loc.file);
    let shown = percent_decode(shown);
    format!("[{}:{}]({}#L{})", md_escape(&shown), loc.line, loc.file, loc.line)
}

/// Undoes the percent-encoding of a URI path for display (`my%20dir` is shown as `my dir`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Hover over a handler's name: for each route it serves, every factor of the amplification with
/// a link to where it comes from, and what could not be resolved. `folders` are the workspace
/// folders, to show paths relative to them.
pub(super) fn endpoint_hover(
    uri: &str,
    a: &Analysis,
    summaries: &[crate::endpoints::Summary],
    pos: Position,
    enc: Encoding,
    folders: &[std::path::PathBuf],
) -> Option<Hover> {
    let byte = to_byte(&a.rope, pos, enc);
    let hits: Vec<_> = summaries
        .iter()
        .filter(|s| {
            s.handler_loc.as_ref().is_some_and(|l| {
                l.file == uri && l.range.start <= byte && byte <= l.range.end && a.text.get(l.range.clone()).is_some()
            })
        })
        .collect();
    let folders: Vec<String> =
        folders.iter().filter_map(Uri::from_file_path).map(|u| u.as_str().trim_end_matches('/').to_string()).collect();
    let mut md = String::new();
    let mut at = hits.first().and_then(|s| s.handler_loc.as_ref()).map(|l| l.range.clone());
    // On a middleware's name: the routes whose chains hold it.
    for (loc, uses) in middleware_in(uri, a, summaries) {
        if !(loc.range.start <= byte && byte <= loc.range.end) {
            continue;
        }
        at.get_or_insert(loc.range.clone());
        md.push_str(&format!("**gohazard middleware** {}\n\n", md_escape(&middleware_title(&uses))));
        for (s, doubles) in &uses {
            md.push_str(&format!(
                "- {} {} → `{}` ({}){}\n",
                s.method,
                md_escape(&s.path),
                s.handler,
                md_link(&s.loc, &folders),
                if *doubles > 0 { ": runs the rest of the chain twice" } else { "" }
            ));
        }
        md.push('\n');
    }
    for s in &hits {
        md.push_str(&format!("**gohazard endpoint** {}\n\n", md_escape(&lens_title(s))));
        md.push_str(&format!("`{}` registered at {}\n\n", s.handler, md_link(&s.loc, &folders)));
        for f in &s.runs_from {
            md.push_str(&format!(
                "- **×2 runs per request**: {} ({})\n",
                md_escape(&f.what),
                md_link(&f.loc, &folders)
            ));
        }
        for f in &s.goroutines_from {
            md.push_str(&format!("- **goroutines**: {} ({})\n", md_escape(&f.what), md_link(&f.loc, &folders)));
        }
        if s.runs > 1 && s.goroutines > 0 {
            md.push_str(&format!(
                "- = {} per run × {} runs = {}{} goroutines per request\n",
                s.goroutines,
                s.runs,
                if s.per_item { "at least " } else { "" },
                s.goroutines_per_request()
            ));
        }
        if let Some((d, loc)) = &s.lifetime {
            md.push_str(&format!(
                "- **lifetime**: up to {} each, on a context detached from the request ({})\n",
                crate::rules::human_duration(*d),
                md_link(loc, &folders)
            ));
        }
        for h in &s.hazards {
            md.push_str(&format!("- **on the way**: `{}` ({})\n", h.what, md_link(&h.loc, &folders)));
        }
        let certain = if s.per_item || !s.unresolved.is_empty() { "partly" } else { "fully" };
        md.push_str(&format!("- **certainty**: {certain} resolved from syntax"));
        if s.per_item {
            md.push_str("; goroutines started per input item are counted once");
        }
        if !s.unresolved.is_empty() {
            let list: Vec<String> = s.unresolved.iter().map(|u| md_escape(u)).collect();
            md.push_str(&format!("; not resolved: {}", list.join(", ")));
        }
        md.push_str("\n\n");
    }
    let at = at?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: md.trim_end().to_string() }),
        range: Some(range(&a.rope, &at, enc)),
    })
}

/// One hover from the endpoint's and the findings', the endpoint first.
pub(super) fn merge_hovers(endpoint: Option<Hover>, findings: Option<Hover>) -> Option<Hover> {
    let text = |h: &Hover| match &h.contents {
        HoverContents::Markup(m) => m.value.clone(),
        _ => String::new(),
    };
    match (endpoint, findings) {
        (Some(e), Some(f)) => Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!("{}\n\n---\n\n{}", text(&e), text(&f)),
            }),
            range: f.range.or(e.range),
        }),
        (e, f) => e.or(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parsed-once links are the rules' documentation links, for every rule.
    #[test]
    fn every_rule_links_its_own_documentation() {
        for rule in rules::RULES {
            let href = docs_uri(rule.id).expect("a rule's docs link parses");
            assert_eq!(href.as_str(), rules::docs_url(rule.id));
            assert!(href.as_str().ends_with(&format!("/docs/rules/{}.md", rule.id)));
        }
    }
}
