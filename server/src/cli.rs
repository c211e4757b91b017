//! The command line: `gohazard check`, `gohazard rules`, `gohazard explain`.
//!
//! This module and `main.rs` are the only places that print to stdout outside the language server's
//! JSON-RPC stream.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use ropey::Rope;
use serde_json::json;

use crate::analysis::{analyze_text, Finding, Severity};
use crate::config::Config;
use crate::rules::{self, RULES};
use crate::text::{byte_to_linecol, Encoding};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Findings with a source excerpt, for people.
    Human,
    /// One JSON array, for tools.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check (directories are walked, honouring .gitignore and skipping
    /// vendor/ and testdata/). Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// The outcome for one file.
struct FileReport {
    path: PathBuf,
    text: String,
    findings: Vec<Finding>,
}

/// Exit codes, as documented in the README.
const EXIT_CLEAN: u8 = 0;
const EXIT_FOUND: u8 = 1;
const EXIT_ERROR: u8 = 2;

pub fn check(args: &CheckArgs) -> ExitCode {
    let config = Config::default();
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut errors = Vec::new();
    let files = collect_files(&paths, &mut errors);
    let results: Vec<Result<FileReport, String>> = files.par_iter().map(|p| check_file(p, &config)).collect();
    let mut reports = Vec::new();
    for r in results {
        match r {
            Ok(rep) => reports.push(rep),
            Err(e) => errors.push(e),
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Json => write_json(&mut out, &reports),
        Format::Human => write_human(&mut out, &reports, color_wanted()),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        // A closed pipe (`gohazard check | head`) is not worth a panic.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            errors.push(format!("cannot write output: {e}"));
        }
    }
    for e in &errors {
        eprintln!("gohazard: error: {e}");
    }
    let found = reports.iter().any(|r| !r.findings.is_empty());
    ExitCode::from(if !errors.is_empty() {
        EXIT_ERROR
    } else if found {
        EXIT_FOUND
    } else {
        EXIT_CLEAN
    })
}

fn color_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Expands the command-line paths into Go files, in a stable order.
fn collect_files(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            // A file named explicitly is checked whatever its name or ignore rules say.
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            errors.push(format!("{}: no such file or directory", path.display()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .require_git(false)
            .filter_entry(|e| {
                let skip = e.file_type().is_some_and(|t| t.is_dir())
                    && e.depth() > 0
                    && matches!(e.file_name().to_str(), Some("vendor" | "testdata" | "node_modules"));
                !skip
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e)
                    if e.file_type().is_some_and(|t| t.is_file())
                        && e.path().extension().is_some_and(|x| x == "go") =>
                {
                    files.push(e.into_path());
                }
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

fn check_file(path: &Path, config: &Config) -> Result<FileReport, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not valid UTF-8 (at byte {}); Go source must be UTF-8, file skipped",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let findings = analyze_text(&text, config);
    Ok(FileReport { path: path.to_path_buf(), text, findings })
}

/// A 1-based line and character column, as printed and as in the JSON output.
fn position(rope: &Rope, byte: usize) -> (usize, usize) {
    let lc = byte_to_linecol(rope, byte, Encoding::Utf32);
    (lc.line + 1, lc.col + 1)
}

fn write_json(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    let mut items = Vec::new();
    for r in reports {
        let rope = Rope::from_str(&r.text);
        let pos = |b: usize| {
            let (line, column) = position(&rope, b);
            json!({ "line": line, "column": column })
        };
        for f in &r.findings {
            let fixes: Vec<_> = f
                .fixes
                .iter()
                .map(|fix| {
                    let edits: Vec<_> = fix
                        .edits
                        .iter()
                        .map(
                            |e| json!({ "start": pos(e.range.start), "end": pos(e.range.end), "new_text": e.new_text }),
                        )
                        .collect();
                    json!({ "title": fix.title, "edits": edits })
                })
                .collect();
            items.push(json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "path": r.path.display().to_string(),
                "start": pos(f.range.start),
                "end": pos(f.range.end),
                "fixes": fixes,
            }));
        }
    }
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn write_human(out: &mut impl Write, reports: &[FileReport], color: bool) -> std::io::Result<()> {
    let mut total = 0;
    let mut fixable = 0;
    for r in reports {
        let rope = Rope::from_str(&r.text);
        for f in &r.findings {
            total += 1;
            fixable += usize::from(!f.fixes.is_empty());
            let (line, col) = position(&rope, f.range.start);
            let sev = match f.severity {
                Severity::Error => paint(color, "1;31", "error"),
                Severity::Warning => paint(color, "1;33", "warning"),
                Severity::Info | Severity::Hint => paint(color, "1;36", f.severity.as_str()),
            };
            writeln!(out, "{}:{line}:{col}: {sev}[{}] {}", r.path.display(), paint(color, "1", f.rule), f.message)?;
            // The excerpt: the first line of the finding, tabs shown as four spaces, with carets.
            let src_line = rope.line(line - 1).to_string();
            let src_line = src_line.trim_end_matches(['\n', '\r']);
            let prefix: String = src_line.chars().take(col - 1).collect();
            let (_, end_col) = position(&rope, f.range.end);
            let (end_line, _) = position(&rope, f.range.end);
            let width = if end_line == line {
                end_col.saturating_sub(col).max(1)
            } else {
                src_line.chars().count().saturating_sub(col - 1).max(1)
            };
            let gutter = format!("{line}");
            writeln!(out, "{} |", " ".repeat(gutter.len()))?;
            writeln!(out, "{gutter} | {}", src_line.replace('\t', "    "))?;
            let pad: usize = prefix.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
            writeln!(
                out,
                "{} | {}{}",
                " ".repeat(gutter.len()),
                " ".repeat(pad),
                paint(color, "1;31", &"^".repeat(width))
            )?;
            if let Some(fix) = f.fixes.iter().find(|x| x.preferred) {
                writeln!(out, "{} = fix: {}", " ".repeat(gutter.len()), fix.title)?;
            }
            writeln!(out, "{} = docs: {}", " ".repeat(gutter.len()), rules::docs_url(f.rule))?;
            writeln!(out)?;
        }
    }
    if total == 0 {
        writeln!(out, "No hazards found.")
    } else {
        let files = reports.iter().filter(|r| !r.findings.is_empty()).count();
        writeln!(out, "Found {total} hazard{} in {files} file{} ({fixable} with a fix).", plural(total), plural(files))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `gohazard rules`: one line per rule.
pub fn list_rules() -> ExitCode {
    let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in RULES {
        let fix = if r.fixable { "fix" } else { "   " };
        println!("{:width$}  {:7}  {fix}  {}", r.id, r.default_severity.as_str(), r.summary);
    }
    ExitCode::SUCCESS
}

/// `gohazard explain RULE`: the rule's page.
pub fn explain(id: &str) -> ExitCode {
    match rules::find(id) {
        Some(rule) => {
            print!("{}", rules::page(rule));
            ExitCode::SUCCESS
        }
        None => {
            let known: Vec<_> = RULES.iter().map(|r| r.id).collect();
            eprintln!("gohazard: error: unknown rule {id:?}; known rules: {}", known.join(", "));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
