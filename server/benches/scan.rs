//! The speed and memory bench: how much `gohazard check` costs next to a bare tree-sitter parse of
//! the same files, how much memory the real binary peaks at, how fast an incremental reparse is, and
//! how long the language server takes from a one-character `didChange` to its diagnostics.
//!
//! Run it with `cargo bench --bench scan -- [--dir PATH] [--files N] [--runs R] [--keep]
//! [--no-memory] [--no-server] [--server-only] [--per-rule]`. Without `--dir` it first writes a deterministic corpus of realistic
//! Go services (gin, echo and net/http handlers, middleware, HTTP clients, database code, workers,
//! protobuf-style generated files, and per service a `routes.go` that mounts its gin handlers) into a
//! temporary directory, so it runs anywhere. `cargo bench`
//! builds with optimisations and builds the `gohazard` binary that the memory and server parts
//! spawn (`CARGO_BIN_EXE_gohazard`).
//!
//! Everything is measured in one process run so the parse/check ratio compares like with like on a
//! machine whose load may change from minute to minute; each figure is the best of `--runs` runs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use gohazard::analysis::{self, index, FileInfo, Source};
use gohazard::config::Config;
use rayon::prelude::*;
use serde_json::{json, Value};

struct Args {
    dir: Option<PathBuf>,
    files: usize,
    runs: usize,
    keep: bool,
    memory: bool,
    server: bool,
    /// Only the server latency: no corpus, no check, no memory (for iterating on the server).
    server_only: bool,
    per_rule: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        dir: None,
        files: 1500,
        runs: 3,
        keep: false,
        memory: true,
        server: true,
        server_only: false,
        per_rule: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--dir" => args.dir = it.next().map(PathBuf::from),
            "--files" => args.files = it.next().and_then(|n| n.parse().ok()).expect("--files takes a number"),
            "--runs" => args.runs = it.next().and_then(|n| n.parse().ok()).expect("--runs takes a number"),
            "--keep" => args.keep = true,
            "--no-memory" => args.memory = false,
            "--no-server" => args.server = false,
            "--server-only" => args.server_only = true,
            "--per-rule" => args.per_rule = true,
            other => {
                eprintln!(
                    "unknown argument {other:?}; usage: cargo bench --bench scan -- [--dir PATH] [--files N] \
                     [--runs R] [--keep] [--no-memory] [--no-server] [--server-only] [--per-rule]"
                );
                std::process::exit(2);
            }
        }
    }
    args.runs = args.runs.max(1);
    args
}

fn main() {
    let args = parse_args();
    let mut table = Table::default();
    if args.server_only {
        server_rows(&mut table);
        table.print();
        return;
    }
    let threads = rayon::current_num_threads();
    println!("gohazard scan bench: {threads} rayon threads, {} rules", gohazard::rules::RULES.len());

    // The corpus: the given directory, or a generated one in a temporary directory.
    let tmp;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::Builder::new().prefix("gohazard-bench-").tempdir().expect("temporary directory");
            let t = Instant::now();
            let stats = corpus::write(tmp.path(), args.files);
            println!(
                "generated {} files, {} lines, {:.1} MB in {} ({:.1} s)",
                stats.files,
                stats.lines,
                stats.bytes as f64 / 1e6,
                tmp.path().display(),
                t.elapsed().as_secs_f64()
            );
            let root = tmp.path().join("src");
            if args.keep {
                println!("(kept: --keep)");
                std::mem::forget(tmp);
            }
            root
        }
    };

    // (a, b) Bare parse against the whole check pipeline, alternating, best of `runs` each.
    let (files, walk_errors) = gohazard::walk::go_files(std::slice::from_ref(&dir));
    if !walk_errors.is_empty() {
        println!("walk reported {} problem(s), first: {}", walk_errors.len(), walk_errors[0]);
    }
    let bytes: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let lines = count_lines(&files);
    println!("corpus: {} Go files, {} lines, {:.1} MB", files.len(), lines, bytes as f64 / 1e6);
    // Warm the page cache so neither side pays for the disk.
    let _ = bare_parse(&files);
    let config = Config::default();
    let mut parse_best = Measure::worst();
    let mut walk_best = Measure::worst();
    let mut check_best = Measure::worst();
    let mut findings = 0;
    for _ in 0..args.runs {
        let (m, _) = measure(|| bare_parse(&files));
        parse_best = parse_best.min(m);
        let (m, _) = measure(|| parse_and_visit(&files));
        walk_best = walk_best.min(m);
        let (m, n) = measure(|| check_pipeline(&dir, &config));
        check_best = check_best.min(m);
        findings = n;
    }
    table.row("bare parse (read + tree-sitter), all files", parse_best.show());
    // What any analysis that looks at every node once pays on top of the parse: a floor that no
    // rule set walking the whole tree can go under.
    table.row(
        "bare parse + one cursor visit of every node",
        format!("{}   ratio {:.2}x", walk_best.show(), walk_best.cpu / parse_best.cpu.max(1e-9)),
    );
    table.row(&format!("check pipeline, library (walk, parse, index, {findings} findings)"), check_best.show());
    table.row(
        "ratio check / parse",
        format!(
            "CPU {:.2}x   wall {:.2}x   (target <= 1.25x CPU)",
            check_best.cpu / parse_best.cpu.max(1e-9),
            check_best.wall / parse_best.wall.max(1e-9)
        ),
    );
    table.row(
        "throughput",
        format!(
            "check {:.0} lines/CPU-s, parse {:.0} lines/CPU-s",
            lines as f64 / check_best.cpu.max(1e-9),
            lines as f64 / parse_best.cpu.max(1e-9)
        ),
    );

    // The endpoint index (issue 8) beside the plain scan: every file's routes and call facts, then
    // the amplification report over them, as `gohazard explain --endpoints` builds them.
    let texts: Vec<(String, String)> = files
        .iter()
        .filter_map(|p| Some((p.to_string_lossy().into_owned(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let (m, facts) = measure(|| gohazard::endpoints::facts_for_texts(&texts, &config));
    table.row("endpoint facts, all files (parse, index, rules, facts)", m.show());
    let (m, summaries) = measure(|| gohazard::endpoints::build(&facts));
    table.row(&format!("endpoint report over them ({} routes)", summaries.len()), m.show());
    drop((texts, facts, summaries));

    // Where the check's time goes: each rule alone over the parsed corpus.
    if args.per_rule {
        for (id, m) in per_rule(&files) {
            table.row(&format!("  rule {id} alone"), format!("{:.2} CPU-s", m.cpu));
        }
    }

    // (c) Peak memory of the real binary on the same directory.
    if args.memory {
        // The binary's CPU time is a best of `runs` like the other rows: one run on a shared
        // machine can take half as long again. Its peak memory barely varies; the highest is shown.
        let best = (0..args.runs).map(|_| peak_memory(&dir)).reduce(|a, b| match (a, b) {
            (Ok((pa, ca, wa, code)), Ok((pb, cb, wb, _))) => Ok((pa.max(pb), ca.min(cb), wa.min(wb), code)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        });
        match best.expect("at least one run") {
            Ok((kib, cpu, wall, code)) => {
                table.row(
                    "gohazard check --format json: peak RSS (VmHWM)",
                    format!("{:.1} MiB (target < 100 MiB), {:.2} s wall, exit {code}", kib as f64 / 1024.0, wall),
                );
                // The binary's own CPU time: both of its passes, the endpoint facts, the output.
                table.row(
                    "gohazard check (the binary): CPU and ratio to bare parse",
                    format!("{cpu:.2} CPU-s   ratio {:.2}x   (target <= 1.25x)", cpu / parse_best.cpu.max(1e-9)),
                );
            }
            Err(e) => table.row("gohazard check: peak RSS", format!("not measured: {e}")),
        }
    }

    // (d) Incremental reparse after a one-character edit in a ~170 KB file.
    let big = corpus::file_of_size(170_000, 7);
    let (full, incr) = incremental(&big, 200);
    table.row(&format!("full parse of a {} KB file (median of 50)", big.len() / 1000), format!("{:.3} ms", full * 1e3));
    table.row("incremental reparse after 1-char edit (median of 200)", format!("{:.3} ms", incr * 1e3));

    // (e) Language server latency from didChange to publishDiagnostics.
    if args.server {
        server_rows(&mut table);
    }
    table.print();
}

/// The server latency rows: the percentiles, then the slowest edits with the top-level
/// declaration they fell in, so a slow tail can be traced to the kind of edit that causes it.
fn server_rows(table: &mut Table) {
    let text = corpus::file_of_lines(5000, 11);
    match server_latency(&text, 200) {
        Ok(samples) => {
            let mut sorted: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
            sorted.sort_by(f64::total_cmp);
            table.row(
                &format!("server didChange -> publishDiagnostics, {} lines, 200 edits", text.lines().count()),
                format!(
                    "median {:.2} ms   p99 {:.2} ms   max {:.2} ms (target < 1 / 5 ms)",
                    percentile(&sorted, 0.5) * 1e3,
                    percentile(&sorted, 0.99) * 1e3,
                    sorted.last().copied().unwrap_or(0.0) * 1e3
                ),
            );
            let tree = analysis::parse(&text, None);
            let line_starts: Vec<usize> =
                std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
            let mut slow: Vec<&EditSample> = samples.iter().collect();
            slow.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
            for s in slow.iter().take(3) {
                let at = line_starts.get(s.line).copied().unwrap_or(0);
                let root = tree.root_node();
                let mut cursor = root.walk();
                let item = root.named_children(&mut cursor).find(|n| n.byte_range().contains(&at));
                let kind = item.map_or("between declarations", |n| n.kind());
                let head = item.and_then(|n| text[n.byte_range()].lines().next()).unwrap_or("");
                let line = text.lines().nth(s.line).unwrap_or("").trim();
                table.row(
                    &format!("  slow edit: {} at line {}", s.kind, s.line + 1),
                    format!(
                        "{:.2} ms, `{}` in {kind} `{}`",
                        s.seconds * 1e3,
                        line.chars().take(40).collect::<String>(),
                        head.chars().take(50).collect::<String>()
                    ),
                );
            }
        }
        Err(e) => table.row("server latency", format!("not measured: {e}")),
    }
}

fn count_lines(files: &[PathBuf]) -> usize {
    files.par_iter().map(|f| std::fs::read(f).map(|b| bytecount(&b)).unwrap_or(0)).sum()
}

fn bytecount(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}

#[derive(Default)]
struct Table {
    rows: Vec<(String, String)>,
}

impl Table {
    fn row(&mut self, what: &str, value: String) {
        println!("  {what}: {value}");
        self.rows.push((what.to_string(), value));
    }

    fn print(&self) {
        let w = self.rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let mut out = String::new();
        let _ = writeln!(out, "\n{:-<1$}", "", w + 60);
        for (a, b) in &self.rows {
            let _ = writeln!(out, "{a:w$} | {b}");
        }
        let _ = writeln!(out, "{:-<1$}", "", w + 60);
        print!("{out}");
    }
}

/// Wall and CPU seconds of one measured step.
#[derive(Clone, Copy)]
struct Measure {
    wall: f64,
    cpu: f64,
}

impl Measure {
    fn worst() -> Measure {
        Measure { wall: f64::INFINITY, cpu: f64::INFINITY }
    }
    /// The best of two runs, taken per figure: the machine's load only ever adds time.
    fn min(self, o: Measure) -> Measure {
        Measure { wall: self.wall.min(o.wall), cpu: self.cpu.min(o.cpu) }
    }
    fn show(self) -> String {
        format!("{:.3} s wall   {:.2} CPU-s", self.wall, self.cpu)
    }
}

/// This process's user plus system CPU time, from `/proc/self/stat` (fields 14 and 15, in clock
/// ticks; Linux exports them at USER_HZ, which is 100 on every architecture it supports).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may contain spaces; the fields after it start with the state (field 3).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    (tick(11) + tick(12)) as f64 / 100.0
}

fn measure<T>(f: impl FnOnce() -> T) -> (Measure, T) {
    let (c0, t0) = (cpu_seconds(), Instant::now());
    let out = f();
    (Measure { wall: t0.elapsed().as_secs_f64(), cpu: cpu_seconds() - c0 }, out)
}

thread_local! {
    static BARE: RefCell<tree_sitter::Parser> = RefCell::new({
        let mut p = tree_sitter::Parser::new();
        p.set_language(&tree_sitter_go::LANGUAGE.into()).expect("grammar");
        p
    });
}

/// The floor: read every file and parse it with tree-sitter, nothing else.
fn bare_parse(files: &[PathBuf]) -> usize {
    files
        .par_iter()
        .map(|f| {
            let Ok(bytes) = std::fs::read(f) else { return 0 };
            BARE.with(|p| p.borrow_mut().parse(&bytes, None).map(|t| t.root_node().child_count()).unwrap_or(0))
        })
        .sum()
}

/// The bare parse, then a visit of every node with a tree cursor that only counts them.
fn parse_and_visit(files: &[PathBuf]) -> usize {
    files
        .par_iter()
        .map(|f| {
            let Ok(bytes) = std::fs::read(f) else { return 0 };
            let Some(tree) = BARE.with(|p| p.borrow_mut().parse(&bytes, None)) else { return 0 };
            let mut cursor = tree.walk();
            let mut nodes = 1;
            'walk: loop {
                if cursor.goto_first_child() || cursor.goto_next_sibling() {
                    nodes += 1;
                    continue;
                }
                loop {
                    if !cursor.goto_parent() {
                        break 'walk;
                    }
                    if cursor.goto_next_sibling() {
                        nodes += 1;
                        break;
                    }
                }
            }
            nodes
        })
        .sum()
}

/// The rules over every file through the library, in process and without printing: walk; pass 1
/// reads, parses and extracts every file's declarations into the workspace index, keeping the trees
/// (up to 32 MiB of source); pass 2 runs every rule with the index. This is the analysis cost
/// without the binary's memory-saving second parse; the binary itself is measured too.
fn check_pipeline(dir: &Path, config: &Config) -> usize {
    const KEEP_TREES_BYTES: usize = 32 << 20;
    let (files, _) = gohazard::walk::go_files(&[dir.to_path_buf()]);
    let kept = AtomicUsize::new(0);
    let parsed: Vec<_> = files
        .par_iter()
        .filter_map(|path| {
            let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
            let tree = analysis::parse(&text, None);
            let decls = index::declarations(&Source::new(&text, &tree));
            let keep = kept.fetch_add(text.len(), Ordering::Relaxed) + text.len() <= KEEP_TREES_BYTES;
            Some((path, text, keep.then_some(tree), decls))
        })
        .collect();
    let mut idx = index::Index::default();
    let mut rest = Vec::with_capacity(parsed.len());
    for (path, text, tree, decls) in parsed {
        idx.set_file(&path.to_string_lossy(), decls);
        rest.push((path, text, tree));
    }
    rest.into_par_iter()
        .map(|(path, text, tree)| {
            let tree = tree.unwrap_or_else(|| analysis::parse(&text, None));
            analysis::analyze_file(&text, &tree, config, &FileInfo::from_path(path), &idx).len()
        })
        .sum()
}

/// The CPU time of each rule run alone over every file (parsed once beforehand), costliest first.
fn per_rule(files: &[PathBuf]) -> Vec<(&'static str, Measure)> {
    let parsed: Vec<_> = files
        .par_iter()
        .filter_map(|p| {
            let text = String::from_utf8(std::fs::read(p).ok()?).ok()?;
            let tree = analysis::parse(&text, None);
            Some((p, text, tree))
        })
        .collect();
    let idx = index::Index::default();
    let mut out: Vec<_> = gohazard::rules::RULES
        .iter()
        .map(|rule| {
            let rules: serde_json::Map<String, Value> = gohazard::rules::RULES
                .iter()
                .map(|r| (r.id.to_string(), json!({"enabled": r.id == rule.id})))
                .collect();
            let (config, _) = Config::from_json(&json!({ "rules": rules }));
            let (m, _) = measure(|| {
                parsed
                    .par_iter()
                    .map(|(p, text, tree)| {
                        analysis::analyze_file(text, tree, &config, &FileInfo::from_path(p), &idx).len()
                    })
                    .sum::<usize>()
            });
            (rule.id, m)
        })
        .collect();
    out.sort_by(|a, b| b.1.cpu.total_cmp(&a.1.cpu));
    out
}

/// Runs the real binary on `dir` and samples its high-water RSS and CPU time until it exits.
/// Returns KiB, CPU seconds (user + system, from `/proc/PID/stat`, whose last sample is the exited
/// process's total before it is reaped), wall seconds and the exit code.
fn peak_memory(dir: &Path) -> Result<(u64, f64, f64, i32), String> {
    let bin = env!("CARGO_BIN_EXE_gohazard");
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["check", "--format", "json"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    let status_path = format!("/proc/{}/status", child.id());
    let stat_path = format!("/proc/{}/stat", child.id());
    let mut peak = 0;
    let mut ticks = 0;
    loop {
        // A zombie's status has no memory lines; the last sample before it is the peak.
        if let Some(kib) = std::fs::read_to_string(&status_path).ok().as_deref().and_then(|s| status_kib(s, "VmHWM:")) {
            peak = peak.max(kib);
        }
        if let Some(t) = std::fs::read_to_string(&stat_path).ok().as_deref().and_then(cpu_ticks) {
            ticks = ticks.max(t);
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common platform.
            return Ok((peak, ticks as f64 / 100.0, t.elapsed().as_secs_f64(), status.code().unwrap_or(-1)));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// User plus system clock ticks from the text of `/proc/PID/stat` (fields 14 and 15, counted after
/// the command name, which may hold spaces and ends at the last parenthesis).
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// Median seconds of a full parse and of an incremental reparse after inserting one character into
/// an identifier somewhere in the file (`Tree::edit` plus a parse with the old tree).
fn incremental(text: &str, runs: usize) -> (f64, f64) {
    let tree = analysis::parse(text, None);
    let mut full: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let tree = analysis::parse(text, None);
            let s = t.elapsed().as_secs_f64();
            drop(tree);
            s
        })
        .collect();
    let mut rng = corpus::Rng(99);
    let idents: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| c == 'e' && i > 0 && text.as_bytes()[i - 1].is_ascii_lowercase())
        .map(|(i, _)| i)
        .collect();
    let mut incr = Vec::with_capacity(runs);
    for _ in 0..runs {
        let at = idents[rng.below(idents.len())];
        let mut edited = String::with_capacity(text.len() + 1);
        edited.push_str(&text[..at]);
        edited.push('x');
        edited.push_str(&text[at..]);
        let mut old = tree.clone();
        let point = |b: usize| {
            let row = text[..b].matches('\n').count();
            let col = b - text[..b].rfind('\n').map_or(0, |n| n + 1);
            tree_sitter::Point { row, column: col }
        };
        let start = point(at);
        let edit = tree_sitter::InputEdit {
            start_byte: at,
            old_end_byte: at,
            new_end_byte: at + 1,
            start_position: start,
            old_end_position: start,
            new_end_position: tree_sitter::Point { row: start.row, column: start.column + 1 },
        };
        let t = Instant::now();
        old.edit(&edit);
        let new = analysis::parse(&edited, Some(&old));
        incr.push(t.elapsed().as_secs_f64());
        drop(new);
    }
    full.sort_by(f64::total_cmp);
    incr.sort_by(f64::total_cmp);
    (percentile(&full, 0.5), percentile(&incr, 0.5))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// One timed edit of [`server_latency`]: how long it took, on which (zero-based) line, and whether
/// it inserted or deleted its character.
struct EditSample {
    seconds: f64,
    line: usize,
    kind: &'static str,
}

/// Starts `gohazard lsp` with no debounce, opens `text`, then makes `edits` one-character edits one
/// at a time (insert a letter into an identifier, then delete it again) and times each from the
/// moment the notification is written until the diagnostics of that version arrive.
fn server_latency(text: &str, edits: usize) -> Result<Vec<EditSample>, String> {
    let mut lsp = Lsp::spawn()?;
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}, "initializationOptions": {"debounceMs": 0}}),
    )?;
    lsp.notify("initialized", json!({}));
    let uri = "file:///bench/big_handlers.go";
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": text}}),
    );
    lsp.diagnostics(uri, 1)?;
    // Edit places: the middle of identifiers, spread over the file.
    let lines: Vec<&str> = text.split('\n').collect();
    let mut rng = corpus::Rng(5);
    let mut samples = Vec::with_capacity(edits);
    let mut version = 1;
    let mut pending: Option<(usize, usize)> = None;
    while samples.len() < edits {
        let range = match pending.take() {
            // Delete the letter inserted by the previous edit.
            Some((line, col)) => {
                (json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 1}}), "")
            }
            None => {
                let line = rng.below(lines.len());
                let Some(col) = lines[line].find(|c: char| c.is_ascii_lowercase()) else { continue };
                pending = Some((line, col + 1));
                let at = json!({"line": line, "character": col + 1});
                (json!({"start": at, "end": at}), "q")
            }
        };
        let (line, kind) = match range.1 {
            "" => (range.0["start"]["line"].as_u64().unwrap_or(0) as usize, "delete"),
            _ => (range.0["start"]["line"].as_u64().unwrap_or(0) as usize, "insert"),
        };
        version += 1;
        let t = Instant::now();
        lsp.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": range.0, "text": range.1}]}),
        );
        lsp.diagnostics(uri, version)?;
        samples.push(EditSample { seconds: t.elapsed().as_secs_f64(), line, kind });
    }
    let _ = lsp.request("shutdown", Value::Null);
    lsp.notify("exit", Value::Null);
    Ok(samples)
}

/// The smallest LSP client that can drive the server: framed JSON over the child's stdio.
struct Lsp {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
}

impl Lsp {
    fn spawn() -> Result<Lsp, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gohazard"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // The server's log, when asked for with `GOHAZARD_LOG`, goes to the bench's stderr.
            .stderr(if std::env::var_os("GOHAZARD_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Lsp { child, stdin, rx, next_id: 1 })
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).expect("JSON");
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend(body);
        let _ = self.stdin.write_all(&frame).and_then(|()| self.stdin.flush());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message; requests from the server are answered with null so it never waits.
    fn recv(&mut self) -> Result<Value, String> {
        let msg = self.rx.recv_timeout(Duration::from_secs(30)).map_err(|e| format!("server silent: {e}"))?;
        if msg.get("method").is_some() && msg.get("id").is_some() {
            self.send(&json!({"jsonrpc": "2.0", "id": msg["id"].clone(), "result": null}));
        }
        Ok(msg)
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.recv()?;
            if msg["id"] == id && msg.get("method").is_none() {
                return Ok(msg);
            }
        }
    }

    fn diagnostics(&mut self, uri: &str, version: i64) -> Result<Value, String> {
        loop {
            let msg = self.recv()?;
            let p = &msg["params"];
            if msg["method"] == "textDocument/publishDiagnostics" && p["uri"] == uri && p["version"] == version {
                return Ok(msg);
            }
        }
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The generated corpus: deterministic Go sources that look like the services gohazard is for.
mod corpus {
    use std::fmt::Write as _;
    use std::path::Path;

    /// SplitMix64: small, fast and the same on every machine, which is all a corpus needs.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        pub fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        pub fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
        pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
            &xs[self.below(xs.len())]
        }
    }

    pub struct Stats {
        pub files: usize,
        pub lines: usize,
        pub bytes: usize,
    }

    const SERVICES: &[&str] =
        &["orders", "billing", "users", "catalog", "shipping", "search", "notify", "auth", "reports", "gateway"];
    const ENTITIES: &[&str] = &[
        "User", "Order", "Invoice", "Payment", "Account", "Session", "Product", "Cart", "Shipment", "Report", "Tenant",
        "Audit", "Coupon", "Refund", "Address", "Profile", "Token", "Webhook", "Price", "Stock",
    ];
    const PACKAGES: &[&str] = &["handlers", "middleware", "client", "store", "worker", "model", "service", "util"];

    /// Writes about `files` files into `root/src/<service>/...`: ordinary files of 100 to 450 lines and,
    /// per 300 files, one protobuf-style generated file of several thousand lines and one large
    /// hand-written file of about 170 KB.
    pub fn write(root: &Path, files: usize) -> Stats {
        let root = root.join("src");
        let mut rng = Rng(0x5EED_2024);
        let mut stats = Stats { files: 0, lines: 0, bytes: 0 };
        let mut write = |path: &Path, text: &str| {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("create directory");
            std::fs::write(path, text).expect("write corpus file");
            stats.files += 1;
            stats.lines += text.lines().count();
            stats.bytes += text.len();
        };
        let mut routes: std::collections::BTreeMap<&str, Vec<(String, String)>> = Default::default();
        std::fs::create_dir_all(&root).expect("create corpus root");
        std::fs::write(root.join("go.mod"), "module example.com/platform\n\ngo 1.22\n").expect("write go.mod");
        for i in 0..files {
            let svc = SERVICES[i % SERVICES.len()];
            let pkg = PACKAGES[(i / SERVICES.len()) % PACKAGES.len()];
            let dir = root.join(svc).join(pkg);
            let (name, text) = if i % 300 == 299 {
                {
                    let lines = 6000 + rng.below(4000);
                    (format!("{svc}_{i}.pb.go"), generated_pb(&mut rng, pkg, lines))
                }
            } else if i % 300 == 149 {
                (format!("big_{i}.go"), ordinary(&mut rng, pkg, usize::MAX, 170_000))
            } else {
                let e = rng.pick(ENTITIES).to_lowercase();
                let test = pkg == "handlers" && rng.chance(15);
                let name = format!("{e}_{i}{}.go", if test { "_test" } else { "" });
                let lines = 100 + rng.below(350);
                (name, ordinary(&mut rng, pkg, lines, usize::MAX))
            };
            if pkg == "handlers" {
                routes.entry(svc).or_default().extend(gin_handlers(&text));
            }
            write(&dir.join(name), &text);
        }
        // Each service mounts its gin handlers, so the endpoint report has routes to follow.
        for (svc, handlers) in &routes {
            write(&root.join(svc).join("handlers").join("routes.go"), &routes_file(svc, handlers));
        }
        stats
    }

    /// The `(type, method)` of every gin handler method in a generated file.
    fn gin_handlers(text: &str) -> Vec<(String, String)> {
        text.lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("func (h *")?.strip_suffix("(c *gin.Context) {")?;
                let (ty, method) = rest.split_once(") ")?;
                Some((ty.to_string(), method.to_string()))
            })
            .collect()
    }

    /// A `Register(r *gin.Engine)` that mounts up to 300 of a service's handlers under a group with a
    /// middleware, one route each.
    fn routes_file(svc: &str, handlers: &[(String, String)]) -> String {
        let mut out = format!(
            "// Package handlers is generated by the gohazard bench.\npackage handlers\n\nimport \"github.com/gin-gonic/gin\"\n\n\
             // Register mounts the {svc} service's handlers.\nfunc Register(r *gin.Engine, auth gin.HandlerFunc) {{\n\
             \tapi := r.Group(\"/{svc}\")\n\tapi.Use(auth)\n"
        );
        let mut types: Vec<&str> = handlers.iter().map(|(t, _)| t.as_str()).collect();
        types.sort();
        types.dedup();
        for (i, t) in types.iter().enumerate() {
            out.push_str(&format!("\th{i} := &{t}{{}}\n"));
        }
        for (ty, method) in handlers.iter().take(300) {
            let i = types.iter().position(|t| t == ty).unwrap_or(0);
            out.push_str(&format!("\tapi.GET(\"/{}\", h{i}.{method})\n", method.to_lowercase()));
        }
        out.push_str("}\n");
        out
    }

    /// One hand-written-style file of at least `bytes` bytes, for the incremental-parse figure.
    pub fn file_of_size(bytes: usize, seed: u64) -> String {
        ordinary(&mut Rng(seed), "handlers", usize::MAX, bytes)
    }

    /// One hand-written-style file of about `lines` lines, for the server latency figure.
    pub fn file_of_lines(lines: usize, seed: u64) -> String {
        ordinary(&mut Rng(seed), "handlers", lines, usize::MAX)
    }

    const IMPORTS: &str = r#"import (
    "context"
    "database/sql"
    "encoding/json"
    "errors"
    "fmt"
    "io"
    "log/slog"
    "net/http"
    "strings"
    "sync"
    "time"

    "github.com/gin-gonic/gin"
    "github.com/labstack/echo/v4"
    "go.uber.org/zap"
    "golang.org/x/sync/errgroup"
)
"#;

    /// A file of functions drawn from the templates below until it has `lines` lines or `bytes`
    /// bytes, whichever comes first.
    fn ordinary(rng: &mut Rng, pkg: &str, lines: usize, bytes: usize) -> String {
        let mut out = format!("// Package {pkg} is generated by the gohazard bench.\npackage {pkg}\n\n{IMPORTS}");
        let mut n = 0;
        while out.lines().count() < lines && out.len() < bytes {
            let e = *rng.pick(ENTITIES);
            n += 1;
            let t = TEMPLATES[rng.below(TEMPLATES.len())];
            let mut body = t
                .replace("{E}", e)
                .replace("{e}", &e.to_lowercase())
                .replace("{N}", &n.to_string())
                .replace("{T}", &(1 + rng.below(30)).to_string());
            // A few of the story's hazards, as a real code base has them: a detached context, a
            // body read without a limit, a response body left open.
            if rng.chance(4) {
                body = body.replacen("ctx := c.Request.Context()", "ctx := context.Background()", 1);
            }
            if rng.chance(4) {
                body = body.replacen(
                    "io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))",
                    "io.ReadAll(c.Request().Body)",
                    1,
                );
            }
            if rng.chance(3) {
                body = body.replacen("\n    defer resp.Body.Close()", "", 1);
            }
            out.push('\n');
            out.push_str(&tabify(&body));
        }
        out
    }

    /// Turns the templates' four-space indentation into gofmt's tabs.
    fn tabify(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for line in s.lines() {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            out.push_str(&"\t".repeat(spaces / 4));
            out.push_str(&line[spaces / 4 * 4..]);
            out.push('\n');
        }
        out
    }

    /// A protobuf-generated-style file: message structs with getters and a descriptor table.
    fn generated_pb(rng: &mut Rng, pkg: &str, lines: usize) -> String {
        let mut out = format!(
            "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage {pkg}\n\nimport (\n\tprotoreflect \"google.golang.org/protobuf/reflect/protoreflect\"\n\tprotoimpl \"google.golang.org/protobuf/runtime/protoimpl\"\n)\n"
        );
        let mut m = 0;
        while out.lines().count() < lines {
            m += 1;
            let e = rng.pick(ENTITIES);
            let fields = 4 + rng.below(12);
            let _ = writeln!(out, "\ntype {e}Msg{m} struct {{\n\tstate         protoimpl.MessageState\n\tsizeCache     protoimpl.SizeCache\n\tunknownFields protoimpl.UnknownFields\n");
            for f in 0..fields {
                let ty = ["string", "int64", "bool", "[]string", "map[string]string", "*Timestamp"][f % 6];
                let _ = writeln!(
                    out,
                    "\tField{f} {ty} `protobuf:\"bytes,{},opt,name=field{f},proto3\" json:\"field{f},omitempty\"`",
                    f + 1
                );
            }
            out.push_str("}\n");
            let _ = writeln!(
                out,
                "\nfunc (x *{e}Msg{m}) Reset() {{\n\t*x = {e}Msg{m}{{}}\n\tmi := &file_msgTypes[{m}]\n\tms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))\n\tms.StoreMessageInfo(mi)\n}}\n\nfunc (x *{e}Msg{m}) ProtoReflect() protoreflect.Message {{\n\tmi := &file_msgTypes[{m}]\n\tif x != nil {{\n\t\tms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))\n\t\tif ms.LoadMessageInfo() == nil {{\n\t\t\tms.StoreMessageInfo(mi)\n\t\t}}\n\t\treturn ms\n\t}}\n\treturn mi.MessageOf(x)\n}}"
            );
            for f in 0..fields {
                let (ty, zero) = [
                    ("string", "\"\""),
                    ("int64", "0"),
                    ("bool", "false"),
                    ("[]string", "nil"),
                    ("map[string]string", "nil"),
                    ("*Timestamp", "nil"),
                ][f % 6];
                let _ = writeln!(
                    out,
                    "\nfunc (x *{e}Msg{m}) GetField{f}() {ty} {{\n\tif x != nil {{\n\t\treturn x.Field{f}\n\t}}\n\treturn {zero}\n}}"
                );
            }
        }
        out.push_str("\nvar file_rawDesc = []byte{\n");
        for i in 0..200 {
            let row: Vec<String> = (0..16).map(|j| format!("0x{:02x},", (i * 16 + j) % 251)).collect();
            let _ = writeln!(out, "\t{}", row.join(" "));
        }
        out.push_str("}\n");
        out
    }

    /// Function templates: `{E}` is an entity, `{e}` its lower-case name, `{N}` a counter that keeps
    /// names unique in a file, `{T}` a small number.
    const TEMPLATES: &[&str] = &[
        // A gin handler that fans out goroutines under the request's context.
        r#"// Get{E}{N} returns one {e} with its priced lines.
func (h *{E}Handler) Get{E}{N}(c *gin.Context) {
    ctx := c.Request.Context()
    id := c.Param("id")
    if id == "" {
        c.JSON(http.StatusBadRequest, gin.H{"error": "missing id"})
        return
    }
    ctx, cancel := context.WithTimeout(ctx, {T}*time.Second)
    defer cancel()
    item, err := h.store.Find{E}(ctx, id)
    if err != nil {
        h.log.Error("find {e}", zap.String("id", id), zap.Error(err))
        c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
        return
    }
    var (
        wg      sync.WaitGroup
        mu      sync.Mutex
        results = make([]string, 0, len(item.Lines))
    )
    for _, line := range item.Lines {
        wg.Add(1)
        go func(l Line) {
            defer wg.Done()
            v, err := h.pricing.Quote(ctx, l.SKU)
            if err != nil {
                h.log.Warn("quote", zap.String("sku", l.SKU), zap.Error(err))
                return
            }
            mu.Lock()
            results = append(results, v)
            mu.Unlock()
        }(line)
    }
    wg.Wait()
    c.JSON(http.StatusOK, gin.H{"{e}": item, "quotes": results})
}
"#,
        // An echo handler that decodes a bounded body.
        r#"// Create{E}{N} stores a new {e}.
func (h *{E}API) Create{E}{N}(c echo.Context) error {
    var req Create{E}Request
    body, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
    if err != nil {
        return echo.NewHTTPError(http.StatusBadRequest, err.Error())
    }
    if err := json.Unmarshal(body, &req); err != nil {
        return echo.NewHTTPError(http.StatusBadRequest, "invalid json")
    }
    if strings.TrimSpace(req.Name) == "" {
        return echo.NewHTTPError(http.StatusUnprocessableEntity, "name is required")
    }
    ctx := c.Request().Context()
    created, err := h.svc.Create{E}(ctx, req)
    switch {
    case errors.Is(err, ErrConflict):
        return echo.NewHTTPError(http.StatusConflict, "{e} exists")
    case err != nil:
        return fmt.Errorf("create {e}: %w", err)
    }
    return c.JSON(http.StatusCreated, created)
}
"#,
        // A net/http handler with an errgroup and a select on the request's context.
        r#"func (s *Server) handle{E}List{N}(w http.ResponseWriter, r *http.Request) {
    ctx := r.Context()
    q := r.URL.Query()
    limit := 50
    if v := q.Get("limit"); v != "" {
        fmt.Sscanf(v, "%d", &limit)
    }
    g, gctx := errgroup.WithContext(ctx)
    var items []{E}
    var total int
    g.Go(func() error {
        var err error
        items, err = s.repo.List{E}s(gctx, limit)
        return err
    })
    g.Go(func() error {
        var err error
        total, err = s.repo.Count{E}s(gctx)
        return err
    })
    done := make(chan error, 1)
    go func() { done <- g.Wait() }()
    select {
    case <-ctx.Done():
        http.Error(w, "cancelled", http.StatusRequestTimeout)
        return
    case err := <-done:
        if err != nil {
            slog.ErrorContext(ctx, "list {e}s", "err", err)
            http.Error(w, "internal error", http.StatusInternalServerError)
            return
        }
    }
    w.Header().Set("Content-Type", "application/json")
    _ = json.NewEncoder(w).Encode(map[string]any{"items": items, "total": total})
}
"#,
        // A gin middleware that calls Next once.
        r#"// {E}Metrics{N} records the latency of {e} routes.
func {E}Metrics{N}(log *zap.Logger) gin.HandlerFunc {
    return func(c *gin.Context) {
        start := time.Now()
        c.Set("route", "{e}")
        c.Next()
        status := c.Writer.Status()
        if status >= 500 {
            log.Error("request failed", zap.Int("status", status), zap.Duration("took", time.Since(start)))
            return
        }
        log.Debug("request", zap.String("path", c.FullPath()), zap.Duration("took", time.Since(start)))
    }
}
"#,
        // A net/http middleware.
        r#"func require{E}Auth{N}(next http.Handler) http.Handler {
    return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
        token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
        if token == "" {
            http.Error(w, "unauthorized", http.StatusUnauthorized)
            return
        }
        ctx := context.WithValue(r.Context(), tokenKey{}, token)
        next.ServeHTTP(w, r.WithContext(ctx))
    })
}
"#,
        // An HTTP client call that closes its body.
        r#"// Fetch{E}{N} calls the {e} service.
func (c *{E}Client) Fetch{E}{N}(ctx context.Context, id string) (*{E}, error) {
    req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/{e}s/"+id, nil)
    if err != nil {
        return nil, err
    }
    req.Header.Set("Authorization", "Bearer "+c.token)
    resp, err := c.http.Do(req)
    if err != nil {
        return nil, fmt.Errorf("fetch {e} %s: %w", id, err)
    }
    defer resp.Body.Close()
    if resp.StatusCode != http.StatusOK {
        msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
        return nil, fmt.Errorf("fetch {e} %s: %s: %s", id, resp.Status, msg)
    }
    var out {E}
    if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
        return nil, fmt.Errorf("decode {e}: %w", err)
    }
    return &out, nil
}
"#,
        // Database code: a query with rows, a transaction.
        r#"func (r *{E}Repo) List{E}sBy{N}(ctx context.Context, tenant string, limit int) ([]{E}, error) {
    rows, err := r.db.QueryContext(ctx, `SELECT id, name, created_at FROM {e}s WHERE tenant = $1 LIMIT $2`, tenant, limit)
    if err != nil {
        return nil, err
    }
    defer rows.Close()
    out := make([]{E}, 0, limit)
    for rows.Next() {
        var x {E}
        if err := rows.Scan(&x.ID, &x.Name, &x.CreatedAt); err != nil {
            return nil, err
        }
        out = append(out, x)
    }
    return out, rows.Err()
}

func (r *{E}Repo) Update{E}{N}(ctx context.Context, x *{E}) error {
    tx, err := r.db.BeginTx(ctx, &sql.TxOptions{})
    if err != nil {
        return err
    }
    defer tx.Rollback()
    if _, err := tx.ExecContext(ctx, `UPDATE {e}s SET name = $1 WHERE id = $2`, x.Name, x.ID); err != nil {
        return fmt.Errorf("update {e}: %w", err)
    }
    return tx.Commit()
}
"#,
        // A background worker with a ticker.
        r#"// Run{E}Sweeper{N} removes expired {e}s until ctx is cancelled.
func (w *{E}Worker) Run{E}Sweeper{N}(ctx context.Context) {
    ticker := time.NewTicker({T} * time.Minute)
    defer ticker.Stop()
    for {
        select {
        case <-ctx.Done():
            return
        case <-ticker.C:
            n, err := w.repo.DeleteExpired{E}s(ctx, time.Now())
            if err != nil {
                w.log.Error("sweep {e}s", zap.Error(err))
                continue
            }
            w.log.Info("swept {e}s", zap.Int64("count", n))
        }
    }
}
"#,
        // Types.
        r#"// {E}{N} is the API shape of a {e}.
type {E}{N} struct {
    ID        string            `json:"id"`
    Tenant    string            `json:"tenant"`
    Name      string            `json:"name"`
    Labels    map[string]string `json:"labels,omitempty"`
    CreatedAt time.Time         `json:"created_at"`
    UpdatedAt *time.Time        `json:"updated_at,omitempty"`
}

type {E}Store{N} interface {
    Find{E}(ctx context.Context, id string) (*{E}, error)
    List{E}s(ctx context.Context, limit int) ([]{E}, error)
    Delete{E}(ctx context.Context, id string) error
}
"#,
        // Plain utility code.
        r#"func normalize{E}Names{N}(in []string) []string {
    seen := make(map[string]struct{}, len(in))
    var b strings.Builder
    out := make([]string, 0, len(in))
    for i, s := range in {
        s = strings.ToLower(strings.TrimSpace(s))
        if s == "" {
            continue
        }
        if _, ok := seen[s]; ok {
            continue
        }
        seen[s] = struct{}{}
        b.Reset()
        for _, r := range s {
            switch {
            case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
                b.WriteRune(r)
            case r == ' ' || r == '-':
                b.WriteByte('_')
            }
        }
        if i%{T} == 0 {
            out = append(out, b.String())
        } else {
            out = append(out, s)
        }
    }
    return out
}
"#,
        // A fan-out with a bounded semaphore and a results channel.
        r#"func (s *{E}Service) Refresh{E}s{N}(ctx context.Context, ids []string) (map[string]error, error) {
    sem := make(chan struct{}, {T})
    type result struct {
        id  string
        err error
    }
    results := make(chan result, len(ids))
    for _, id := range ids {
        id := id
        select {
        case sem <- struct{}{}:
        case <-ctx.Done():
            return nil, ctx.Err()
        }
        go func() {
            defer func() { <-sem }()
            results <- result{id: id, err: s.refresh(ctx, id)}
        }()
    }
    failed := map[string]error{}
    for range ids {
        r := <-results
        if r.err != nil {
            failed[r.id] = r.err
        }
    }
    return failed, nil
}
"#,
    ];
}
