//! Findings to protocol types. Positions go through `crate::text` with the negotiated encoding,
//! against the text the findings were computed on.

use std::collections::HashMap;
use std::str::FromStr;

use ropey::Rope;
use tower_lsp_server::ls_types::*;

use super::document::Analysis;
use crate::analysis::{Finding, Severity};
use crate::rules;
use crate::text::{byte_to_linecol, linecol_to_byte, Encoding, LineCol};

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

pub(super) fn diagnostic(uri: &Uri, rope: &Rope, f: &Finding, enc: Encoding) -> Diagnostic {
    let related: Vec<_> = f
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location { uri: uri.clone(), range: range(rope, &r.range, enc) },
            message: r.message.clone(),
        })
        .collect();
    Diagnostic {
        range: range(rope, &f.range, enc),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.to_string())),
        code_description: Uri::from_str(&rules::docs_url(f.rule)).ok().map(|href| CodeDescription { href }),
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

/// Quick fixes for the findings that touch the requested range. They are computed from the range
/// alone because some clients (Vim's ALE) send back neither `data` nor `source` of diagnostics.
pub(super) fn code_actions(uri: &Uri, a: &Analysis, req: Range, enc: Encoding) -> Vec<CodeActionOrCommand> {
    let start = to_byte(&a.rope, req.start, enc);
    let end = to_byte(&a.rope, req.end, enc).max(start);
    let mut out = Vec::new();
    for f in a.findings.iter().filter(|f| f.range.start <= end && start <= f.range.end) {
        let diag = diagnostic(uri, &a.rope, f, enc);
        for fix in &f.fixes {
            let edits = fix
                .edits
                .iter()
                .map(|e| TextEdit { range: range(&a.rope, &e.range, enc), new_text: e.new_text.clone() })
                .collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diag.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), edits)])),
                    ..Default::default()
                }),
                is_preferred: Some(fix.preferred),
                ..Default::default()
            }));
        }
    }
    out
}
