//! The command line: `gohazard check`, `gohazard rules`, `gohazard explain`.
//!
//! This module and `main.rs` are the only places that print to stdout outside the language server's
//! JSON-RPC stream.
//!
//! `check` runs in two parallel passes over the files the walk found. Pass 1 reads and parses each
//! file and extracts its declarations into one workspace [`Index`], so that pass 2, which analyses
//! each file (and fixes it with `--fix`), can look at a callee declared in another file. Everything
//! that depends on a directory rather than a file (the module's Go version) is cached per directory.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use ropey::Rope;
use serde_json::{json, Value};

use crate::analysis::fix::{self, Applied};
use crate::analysis::index::{declarations, FuncDecl, Index, Lookup};
use crate::analysis::outline::{self, Outline};
use crate::analysis::{
    analyze_file, analyze_indexed_rules, analyze_local_rules_then, merge_findings, parse, without_indexed_rules,
    FileInfo, Finding, Severity, Source,
};
use crate::config::{self, Config, RuleSettings};
use crate::gomod::GoVersions;
use crate::rules::{self, Rule, RULES};
use crate::text::{byte_to_linecol, Encoding};
use crate::walk;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Findings with a source excerpt, for people.
    Human,
    /// One JSON array, for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands, shown as annotations on the pull request.
    Github,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check (directories are walked, honouring .gitignore and skipping
    /// vendor/ and testdata/; Go's `./...` is accepted). Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Apply the preferred fix of each finding and write the files back (a result that would not
    /// parse is never written). Findings that remain are reported as usual.
    #[arg(long)]
    pub fix: bool,
    /// Print the fixes as a unified diff on stdout instead of writing them (implies --fix, writes
    /// nothing).
    #[arg(long)]
    pub diff: bool,
    /// Check Go source read from standard input, as if it were the file NAME (which need not
    /// exist). With --fix, the fixed source is printed on stdout and findings go to stderr.
    #[arg(long, value_name = "NAME", conflicts_with = "paths")]
    pub stdin_filename: Option<PathBuf>,
    /// Run only these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// The configuration file to use instead of the nearest gohazard.toml above the current
    /// directory.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Exit 0 even when hazards are found (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
}

/// Exit codes, as documented in the README.
const EXIT_CLEAN: u8 = 0;
const EXIT_FOUND: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// Source bytes whose syntax trees pass 1 keeps for pass 2. A tree-sitter tree of Go takes about 27
/// times its source (33 MB of the Go standard library parse into 880 MB of trees), so keeping every
/// tree until the index is complete would cost gigabytes on a large repository. Pass 1 therefore runs
/// every rule, answering the index rules from the file's own declarations and an outline of the
/// others (see `analysis::outline`), and keeps no tree: pass 2 reads and parses a file again only
/// where the outline turned out wrong on a name the file asked about, which is rare. A file whose
/// findings are final after pass 1 drops its text too. Without an outline (a buffer on standard
/// input), and with `--fix` and `--diff`, which re-analyse as they fix, pass 1 keeps the trees of
/// the first 512 KiB of the source that pass 2 may need (about 15 to 20 MB of trees).
const KEEP_TREES_BYTES: usize = 512 << 10;

/// How many fixes `--fix` applies to one file, per fixable finding it had: a fix may reveal a
/// finding that another fix then repairs, but a pair of fixes that undo each other must not loop.
const FIX_ROUNDS: usize = 4;

/// Runs with at least this many files show a progress bar, when stderr is a terminal.
const PROGRESS_MIN_FILES: usize = 500;

/// A file after pass 1: its text and tree when pass 2 needs them and the budget allowed (its
/// declarations went into the index).
struct Loaded {
    path: PathBuf,
    /// The text, when pass 2 needs it and it was kept (else empty: pass 2 reads the file again), or
    /// when the mode keeps every text.
    text: String,
    /// A digest of the text pass 1 read, when pass 2 must read it again: a file changed meanwhile
    /// is analysed afresh rather than with findings of an older text.
    digest: Option<u64>,
    tree: Option<tree_sitter::Tree>,
    /// Where the findings of pass 1 are, when they are final (the text is then no longer needed).
    located: Option<Located>,
    info: FileInfo,
    /// The findings of the rules that need no index, when pass 1 ran them (not with `--fix`).
    local: Option<Vec<Finding>>,
    /// Whether the rules that use the index may have to run on this file again in pass 2: with
    /// `--fix`, or when they asked the index questions (`lookups`) that other files may answer.
    pending: bool,
    /// The index questions pass 1 asked while the index held only this file's declarations and, in
    /// `check_paths`, the outline of the other files.
    lookups: Vec<Lookup>,
    /// The file's endpoint facts, when pass 1 could take them (its findings were final).
    facts: Option<crate::endpoints::FileFacts>,
    /// Generated code (or, from standard input, a buffer over the size limit): indexed, so other
    /// files still see its declarations, but not analysed.
    skip: bool,
}

impl Loaded {
    /// A file that is indexed but not analysed.
    fn skipped(path: PathBuf, text: String, info: FileInfo) -> Loaded {
        Loaded {
            path,
            text,
            digest: None,
            tree: None,
            located: None,
            info,
            local: None,
            pending: false,
            lookups: Vec::new(),
            facts: None,
            skip: true,
        }
    }
}

/// The outcome for one file.
struct FileReport {
    path: PathBuf,
    /// The fixed text when fixes were applied (for `--diff`), or the buffer read from standard
    /// input; empty otherwise. The output needs only `located`, so the texts of a large workspace
    /// do not stay in memory until it is written.
    text: String,
    findings: Vec<Finding>,
    /// The lines and columns of the findings' offsets, and the source lines they start on, in the
    /// text the findings refer to.
    located: Located,
    /// The original text and the fixes applied, when `--fix` or `--diff` changed the file.
    fixed: Option<Fixed>,
    /// The file's routes and call facts, of the text the findings refer to, until the endpoint
    /// context is added to the findings (`add_endpoint_context`).
    facts: Option<crate::endpoints::FileFacts>,
}

struct Fixed {
    original: String,
    applied: Vec<Applied>,
}

/// What the output needs of a file's text: the line and column of every byte offset the findings
/// carry (their ranges, related places and fix edits), and the source line each finding starts on
/// (the human format's excerpt). Computed once the findings are final, so the text can be dropped:
/// on a large workspace the texts of the files with findings would otherwise stay in memory until
/// the output is written.
#[derive(Default)]
struct Located {
    /// (byte offset, 1-based line, 1-based column), sorted by offset.
    points: Vec<(usize, usize, usize)>,
    /// (1-based line, its text without the line ending), sorted by line.
    lines: Vec<(usize, String)>,
}

impl Located {
    fn new(text: &str, findings: &[Finding]) -> Located {
        if findings.is_empty() {
            return Located::default();
        }
        let rope = Rope::from_str(text);
        let mut offsets = Vec::new();
        for f in findings {
            offsets.extend([f.range.start, f.range.end]);
            offsets.extend(f.related.iter().flat_map(|r| [r.range.start, r.range.end]));
            offsets.extend(f.fixes.iter().flat_map(|x| &x.edits).flat_map(|e| [e.range.start, e.range.end]));
        }
        offsets.sort_unstable();
        offsets.dedup();
        let points: Vec<_> = offsets
            .into_iter()
            .map(|b| {
                let (line, col) = position(&rope, b);
                (b, line, col)
            })
            .collect();
        let mut starts: Vec<usize> = findings.iter().map(|f| position(&rope, f.range.start).0).collect();
        starts.sort_unstable();
        starts.dedup();
        let lines = starts
            .into_iter()
            .map(|line| {
                let text = rope.line(line - 1).to_string();
                (line, text.trim_end_matches(['\n', '\r']).to_string())
            })
            .collect();
        Located { points, lines }
    }

    /// The 1-based line and character column of a byte offset that one of the findings carries.
    fn at(&self, byte: usize) -> (usize, usize) {
        match self.points.binary_search_by_key(&byte, |p| p.0) {
            Ok(i) => (self.points[i].1, self.points[i].2),
            // Every offset the writers ask for was recorded; this is only a safe answer.
            Err(_) => (1, 1),
        }
    }

    /// The text of a line that a finding starts on.
    fn line(&self, line: usize) -> &str {
        match self.lines.binary_search_by_key(&line, |l| l.0) {
            Ok(i) => &self.lines[i].1,
            Err(_) => "",
        }
    }
}

/// What the files of one run share while they are loaded.
#[derive(Default)]
struct Shared {
    /// Source bytes whose trees pass 1 kept (see [`KEEP_TREES_BYTES`]).
    kept: AtomicUsize,
    /// One copy of each name in the endpoint facts and the declarations of every file, which the
    /// run holds until the report and the end of pass 2: the same names recur across thousands of
    /// files.
    names: crate::endpoints::Names,
}

/// How `check` runs, from the arguments.
#[derive(Clone, Copy)]
struct Mode {
    /// Compute fixes (`--fix` or `--diff`).
    fix: bool,
    /// Write fixed files back (`--fix` on files, without `--diff`).
    write: bool,
    /// Show the fixes as a patch and change nothing (`--diff`).
    diff: bool,
    /// Keep the text of files without findings (the buffer read from stdin, printed back).
    keep_text: bool,
    /// Extract the files' route and call facts, for the endpoint context of findings: only when
    /// some file may register a route.
    endpoints: bool,
}

pub fn check(args: &CheckArgs) -> ExitCode {
    let config = match load_config(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gohazard: error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mode = Mode {
        fix: args.fix || args.diff,
        write: args.fix && !args.diff && args.stdin_filename.is_none(),
        diff: args.diff,
        keep_text: args.stdin_filename.is_some(),
        endpoints: false,
    };
    match &args.stdin_filename {
        Some(name) => check_stdin(args, &config, mode, name),
        None => check_paths(args, &config, mode),
    }
}

/// Finds and loads the configuration, then applies `--select` and `--ignore`. A file that cannot be
/// read or is not TOML, and an unknown rule on the command line, are errors; a setting that is
/// merely wrong is a warning and the rest of the file still applies.
fn load_config(args: &CheckArgs) -> Result<Config, String> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => std::env::current_dir().ok().and_then(|d| config::find_config_file(&d)),
    };
    let mut config = match path {
        Some(p) => {
            let (config, problems) = config::load_file(&p).map_err(|e| format!("invalid configuration: {e}"))?;
            for p in problems {
                eprintln!("gohazard: warning: {p}");
            }
            config
        }
        None => Config::default(),
    };
    for (flag, ids) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        for id in ids {
            if rules::find(id).is_none() {
                let known: Vec<_> = RULES.iter().map(|r| r.id).collect();
                return Err(format!("unknown rule {id:?} in {flag}; known rules: {}", known.join(", ")));
            }
        }
    }
    // The command line wins over the file: `--select` runs exactly the rules it names, even one the
    // file disables, and `--ignore` removes rules from whatever would run.
    for rule in RULES {
        let selected = args.select.is_empty() || args.select.iter().any(|s| s == rule.id);
        let ignored = args.ignore.iter().any(|s| s == rule.id);
        if !args.select.is_empty() || ignored {
            config.rules.entry(rule.id.to_string()).or_insert_with(RuleSettings::default).enabled =
                Some(selected && !ignored);
        }
    }
    Ok(config)
}

fn check_paths(args: &CheckArgs, config: &Config, mode: Mode) -> ExitCode {
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.iter().map(|p| go_pattern_dir(p)).collect()
    };
    let (files, mut errors) = walk::go_files(&paths);
    let progress = Progress::new(files.len());

    // Before pass 1, a quick look at every text: whether any file may register routes, so that files
    // record the facts the endpoint context of findings needs, and the names each file may declare,
    // so that pass 1 can answer the index rules from an outline of the workspace.
    let routes = AtomicBool::new(false);
    let scanned: Vec<Vec<u64>> = files
        .par_iter()
        .map(|p| {
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let Some(text) = config.skip_size(size).is_none().then(|| read_source(p).ok()).flatten() else {
                return Vec::new();
            };
            if !routes.load(Ordering::Relaxed) && crate::endpoints::may_register_routes(&text) {
                routes.store(true, Ordering::Relaxed);
            }
            outline::names(&text)
        })
        .collect();
    let mode = Mode { endpoints: routes.into_inner(), ..mode };
    let outline = {
        let paths = files.clone();
        Arc::new(Outline::new(scanned, move |id| read_source(&paths[id as usize]).ok()))
    };

    // Pass 1: read, parse, extract declarations, and run the rules. A file over the size limit is
    // neither read nor indexed; generated code is indexed but not analysed.
    progress.phase("indexing");
    let shared = Shared::default();
    let versions = GoVersions::new();
    let results: Vec<_> = files
        .par_iter()
        .enumerate()
        .map(|(id, p)| {
            let info = FileInfo { go_version: versions.for_file(p), ..FileInfo::from_path(p) };
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let r = match config.skip_size(size) {
                Some(skip) => Ok(Err(skip_notice(p, skip))),
                None => read_source(p).map(|text| match config.skip_size(text.len() as u64) {
                    // The file grew between the two looks.
                    Some(skip) => Err(skip_notice(p, skip)),
                    None => Ok(load(p.clone(), text, info, config, mode, &shared, Some((&outline, id as u32)))),
                }),
            };
            progress.tick();
            r
        })
        .collect();
    let mut index = Index::default();
    let mut loaded = Vec::with_capacity(results.len());
    let mut notices = Vec::new();
    // The names on which the outline's answers may differ from the complete index's.
    let mut mismatched = HashSet::new();
    for (id, r) in results.into_iter().enumerate() {
        // A file that was not indexed declares nothing, whatever the outline said.
        let real = match &r {
            Ok(Ok((_, decls))) => decls.as_slice(),
            _ => &[],
        };
        outline.check(id as u32, real, &mut mismatched);
        match r {
            Ok(Ok((file, decls))) => {
                index.set_file(&file.path.to_string_lossy(), decls);
                loaded.push(file);
            }
            Ok(Err(notice)) => notices.push(notice),
            Err(e) => errors.push(e),
        }
    }
    drop(outline);

    // Pass 2: analyse (and fix) with the whole index.
    progress.phase("checking");
    let results: Vec<_> = loaded
        .into_par_iter()
        .map(|file| {
            let r = analyze_one(file, config, &index, Some(&mismatched), mode, &shared.names);
            progress.tick();
            r
        })
        .collect();
    progress.finish();
    // The report below builds its own resolver over the facts; the index is no longer needed.
    drop(index);
    let mut reports = Vec::new();
    let mut facts = Vec::new();
    for (mut report, error) in results {
        facts.extend(report.facts.take());
        // A clean file has nothing left to show (its facts still count: routes are often
        // registered in files without findings).
        if !report.findings.is_empty() || report.fixed.is_some() {
            reports.push(report);
        }
        errors.extend(error);
    }
    add_endpoint_context(&mut reports, facts);

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if mode.diff {
        write_diff(&mut out, &reports)
    } else {
        write_report(&mut out, args.format, &reports, config, &errors, std::io::stdout().is_terminal())
    };
    finish(written.and_then(|()| out.flush()), args, &reports, &notices, errors, mode)
}

/// The one line that tells why a file was not analysed. It is a notice, not an error: skipping is
/// what the configuration asked for, so it does not change the exit code.
fn skip_notice(path: &Path, skip: config::Skip) -> String {
    format!("{}: {}", path.display(), skip.describe())
}

/// Adds to each finding the routes whose handlers reach it (" (on GET /users/:id, which runs twice
/// per request)"), from the facts of every file checked, then drops the facts.
fn add_endpoint_context(reports: &mut [FileReport], facts: Vec<crate::endpoints::FileFacts>) {
    let summaries = crate::endpoints::build(&facts);
    let contexts = crate::endpoints::Contexts::new(&summaries);
    if contexts.is_empty() {
        return;
    }
    reports.par_iter_mut().filter(|r| !r.findings.is_empty()).for_each(|r| {
        let key = r.path.to_string_lossy().into_owned();
        let located = &r.located;
        crate::endpoints::annotate(&mut r.findings, &key, &contexts, |b| located.at(b).0);
    });
}

/// `--stdin-filename NAME`: one buffer from standard input, analysed as the file NAME. The index
/// holds the buffer and the other Go files of NAME's directory (its package), which an editor's
/// buffer would otherwise not see; walking the whole workspace on every keystroke would cost too
/// much, and the language server is the tool for that.
fn check_stdin(args: &CheckArgs, config: &Config, mode: Mode, name: &Path) -> ExitCode {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("gohazard: error: cannot read standard input: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    let text = match into_utf8(bytes, Path::new("<stdin>")) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gohazard: error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut index = Index::default();
    let dir = name.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let siblings: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| walk::is_go_file(p) && p.file_name() != name.file_name() && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    let decls: Vec<_> = siblings
        .par_iter()
        .filter_map(|p| {
            let text = read_source(p).ok()?;
            let tree = parse(&text, None);
            Some((p.to_string_lossy().into_owned(), declarations(&Source::new(&text, &tree))))
        })
        .collect();
    for (key, d) in decls {
        index.set_file(&key, d);
    }
    let mut notices = Vec::new();
    let info = FileInfo { go_version: GoVersions::new().for_file(name), ..FileInfo::from_path(name) };
    let file = match config.skip(&text) {
        // Too big to parse: nothing to index either. The buffer still goes back out with `--fix`.
        Some(skip @ config::Skip::TooLarge { .. }) => {
            notices.push(skip_notice(name, skip));
            Loaded::skipped(name.to_path_buf(), text, info)
        }
        _ => {
            let shared = Shared::default();
            let (file, decls) = load(name.to_path_buf(), text, info, config, mode, &shared, None);
            index.set_file(&name.to_string_lossy(), decls);
            file
        }
    };
    let (report, error) = analyze_one(file, config, &index, None, mode, &crate::endpoints::Names::default());
    let errors: Vec<String> = error.into_iter().collect();
    let reports = vec![report];

    let written = if mode.diff {
        write_diff(&mut std::io::stdout().lock(), &reports)
    } else if args.fix {
        // Like gofmt and ruff: the fixed buffer on stdout, for the editor to take; the report of
        // what remains on stderr.
        let mut out = std::io::stdout().lock();
        out.write_all(reports[0].text.as_bytes()).and_then(|()| out.flush()).and_then(|()| {
            let color = std::io::stderr().is_terminal();
            write_report(&mut std::io::stderr().lock(), args.format, &reports, config, &errors, color)
        })
    } else {
        let mut out = std::io::stdout().lock();
        write_report(&mut out, args.format, &reports, config, &errors, std::io::stdout().is_terminal())
    };
    finish(written.and_then(|()| std::io::stdout().flush()), args, &reports, &notices, errors, mode)
}

/// Prints errors and picks the exit code. The code describes the code as it stands when the
/// command ends: after `--fix`, the findings that remain; after `--diff`, which changes nothing,
/// every finding, fixable or not.
fn finish(
    written: std::io::Result<()>,
    args: &CheckArgs,
    reports: &[FileReport],
    notices: &[String],
    mut errors: Vec<String>,
    mode: Mode,
) -> ExitCode {
    if let Err(e) = written {
        // A closed pipe (`gohazard check | head`) is not worth a panic.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            errors.push(format!("cannot write output: {e}"));
        }
    }
    for n in notices {
        eprintln!("gohazard: notice: {n}");
    }
    for e in &errors {
        eprintln!("gohazard: error: {e}");
    }
    let found = reports.iter().any(|r| !r.findings.is_empty() || (mode.diff && r.fixed.is_some()));
    ExitCode::from(if !errors.is_empty() {
        EXIT_ERROR
    } else if found && !args.exit_zero {
        EXIT_FOUND
    } else {
        EXIT_CLEAN
    })
}

/// Go's `./...` (and `dir/...`) means "this directory and everything below", which is what a walk
/// of the directory does; Go programmers type it by habit, so it is accepted.
fn go_pattern_dir(path: &Path) -> PathBuf {
    match path.to_str() {
        Some("...") => PathBuf::from("."),
        Some(s) if s.ends_with("/...") => PathBuf::from(&s[..s.len() - 4]),
        _ => path.to_path_buf(),
    }
}

/// A digest of a file's text, to notice that it changed between the two passes.
fn digest_of(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

fn read_source(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    into_utf8(bytes, path)
}

fn into_utf8(bytes: Vec<u8>, path: &Path) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not valid UTF-8 (at byte {}); Go source must be UTF-8, file skipped",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Pass 1 for one file: parse, extract declarations, run the rules (none when fixing, which pass 2
/// does), with the file's own declarations and `outline` (the workspace's outline and this file's
/// id in it) as the index, and keep the tree if pass 2 may need it and the budget allows (see
/// [`KEEP_TREES_BYTES`]). A skipped file (generated code) is only indexed: its tree would only take
/// memory.
fn load(
    path: PathBuf,
    text: String,
    info: FileInfo,
    config: &Config,
    mode: Mode,
    shared: &Shared,
    outline: Option<(&Arc<Outline>, u32)>,
) -> (Loaded, Vec<FuncDecl>) {
    // Generated code is indexed, so other files still see its declarations, but not analysed.
    let skip = !config.include_generated && config::is_generated(&text);
    // Rules that panic log through tracing; the span names the file.
    let _span = tracing::error_span!("check", path = %path.display()).entered();
    let tree = parse(&text, None);
    let mut decls = declarations(&Source::new(&text, &tree));
    // The index keeps these for the whole run.
    decls.shrink_to_fit();
    decls.iter_mut().for_each(|d| d.share_texts(|t| shared.names.get(t)));
    if skip {
        let text = if mode.keep_text { text } else { String::new() };
        return (Loaded::skipped(path, text, info), decls);
    }
    let (local, lookups, facts) = if mode.fix {
        (None, Vec::new(), None)
    } else {
        // The file's own declarations and the outline of the others answer the index rules now;
        // pass 2 tells whether the complete index changes an answer, which is rare, so most files
        // are done after one parse.
        let key = path.to_string_lossy();
        let mut own = Index::of_file(&key, decls.clone());
        if let Some((outline, id)) = outline {
            own = own.with_outline(outline.clone(), id);
        }
        // Findings that are final unless pass 2 finds otherwise: the endpoint facts are taken now,
        // from the source the rules ran on, whose walk for their matches collected the nodes the
        // facts read.
        let (first, facts) = analyze_local_rules_then(&text, &tree, config, &info, &own, |src, found| {
            mode.endpoints.then(|| crate::endpoints::file_facts_with(&key, src, found, &shared.names))
        });
        (Some(first.findings), first.lookups, facts)
    };
    let pending = local.is_none() || !lookups.is_empty();
    // With an outline, a file whose rules asked the index rarely needs pass 2: its tree would be kept
    // for nothing.
    let keep = pending
        && (local.is_none() || outline.is_none())
        && shared.kept.fetch_add(text.len(), Ordering::Relaxed) + text.len() <= KEEP_TREES_BYTES;
    // The output needs only the findings' lines and columns, so the text need not wait for pass 2
    // unless pass 2 may analyse the file again. A pending file past the budget is read again in
    // pass 2 if it needs it, which costs far less than the parse it needs anyway, instead of holding
    // every such text until the index is complete.
    let located = local.as_ref().map(|found| Located::new(&text, found));
    let (text, digest) = if mode.keep_text || mode.fix || keep {
        (text, None)
    } else if pending {
        (String::new(), Some(digest_of(&text)))
    } else {
        (String::new(), None)
    };
    let file =
        Loaded { path, text, digest, tree: keep.then_some(tree), located, info, local, pending, lookups, facts, skip };
    (file, decls)
}

/// Pass 2 for one file: analyse, then fix and write when asked. Returns the report and an error
/// for a fixed file that could not be written. `mismatched` holds the names on which the outline
/// pass 1 used was wrong (see `Outline::check`); `None` when pass 1 had no outline (standard input).
fn analyze_one(
    file: Loaded,
    config: &Config,
    index: &Index,
    mismatched: Option<&HashSet<String>>,
    mode: Mode,
    names: &crate::endpoints::Names,
) -> (FileReport, Option<String>) {
    let _span = tracing::error_span!("check", path = %file.path.display()).entered();
    let Loaded { path, mut text, digest, mut tree, located, info, mut local, pending, lookups, facts, skip } = file;
    if skip {
        let text = if mode.keep_text { text } else { String::new() };
        let located = Located::default();
        return (FileReport { path, text, findings: Vec::new(), located, fixed: None, facts: None }, None);
    }
    let key = path.to_string_lossy().into_owned();
    // Pass 1 ran every rule, and the complete index answers what the index rules asked as pass 1's
    // index did (the outline where it was right, or the file alone): the findings, their positions
    // and the facts are final.
    let answered = match mismatched {
        Some(mismatched) => !lookups.iter().any(|l| mismatched.contains(l.name())),
        _ => index.answered_by_file_alone(&key, &lookups),
    };
    let final_now = local.is_some() && (!pending || answered);
    let located = if final_now { located } else { None };
    if let Some(digest) = digest.filter(|_| !final_now) {
        match read_source(&path) {
            Ok(now) => {
                // Changed since pass 1: the findings of the local rules are of the old text, so
                // every rule runs again on the new one.
                if digest_of(&now) != digest {
                    local = None;
                }
                text = now;
                tree = None;
            }
            Err(e) => {
                let report = FileReport {
                    path,
                    text: String::new(),
                    findings: Vec::new(),
                    located: Located::default(),
                    fixed: None,
                    facts: None,
                };
                return (report, Some(e));
            }
        }
    }
    let (findings, facts) = match local {
        Some(found) if final_now => (found, facts),
        // Pass 1 ran the local rules; the index rules run now.
        _ => {
            let tree = tree.unwrap_or_else(|| parse(&text, None));
            let (findings, unchanged) = match local {
                Some(found) => {
                    let again = merge_findings(
                        without_indexed_rules(found.clone()),
                        analyze_indexed_rules(&text, &tree, config, &info, index),
                    );
                    let unchanged = again == found;
                    (again, unchanged)
                }
                None => (analyze_file(&text, &tree, config, &info, index), false),
            };
            // The facts of pass 1 hold as long as the findings they list did not change.
            let facts = match facts {
                Some(facts) if unchanged => Some(facts),
                _ => mode
                    .endpoints
                    .then(|| crate::endpoints::file_facts_with(&key, &Source::new(&text, &tree), &findings, names)),
            };
            (findings, facts)
        }
    };
    let fixable = findings.iter().filter(|f| fix::choose(f, None).is_some()).count();
    let mut report = FileReport { path, text, findings, located: Located::default(), fixed: None, facts };
    let mut error = None;
    if mode.fix && fixable > 0 {
        // The index is the one from before any fix: fixes add statements, imports and constants,
        // never the function declarations that other files' findings look up.
        let outcome = fix::fix_file(&report.text, config, &info, index, None, fixable * FIX_ROUNDS);
        let written = if mode.write && !outcome.applied.is_empty() {
            write_fixed(&report.path, &report.text, &outcome.text)
        } else {
            Ok(())
        };
        match written {
            // Not written: the file keeps its findings, reported as if no fix had been tried.
            Err(e) => error = Some(e),
            Ok(()) if !outcome.applied.is_empty() => {
                let original = std::mem::replace(&mut report.text, outcome.text);
                report.findings = outcome.remaining;
                report.fixed = Some(Fixed { original, applied: outcome.applied });
                // The remaining findings refer to the fixed text: so must the facts.
                if mode.endpoints {
                    let tree = parse(&report.text, None);
                    let src = Source::new(&report.text, &tree).with_context(&info, index);
                    report.facts = Some(crate::endpoints::file_facts_with(&key, &src, &report.findings, names));
                }
            }
            Ok(()) => {}
        }
    }
    report.located = match located {
        // Final after pass 1, which took the positions while it had the text.
        Some(located) if report.fixed.is_none() => located,
        _ => Located::new(&report.text, &report.findings),
    };
    // Only `--diff` (the fixed text) and standard input (the buffer printed back) read the text
    // again.
    if report.fixed.is_none() && !mode.keep_text {
        report.text = String::new();
    }
    (report, error)
}

/// Writes a fixed file, unless it changed on disk since it was read (an editor saved it meanwhile)
/// or the new text does not parse cleanly. `fix_file` already refuses each fix whose result does not
/// parse; checking again here keeps the promise even if that ever changes.
fn write_fixed(path: &Path, original: &str, fixed: &str) -> Result<(), String> {
    if parse(fixed, None).root_node().has_error() {
        return Err(format!("{}: the fixed file would not parse; left unchanged", path.display()));
    }
    match std::fs::read(path) {
        Ok(now) if now == original.as_bytes() => {}
        _ => return Err(format!("{}: changed while being fixed; left unchanged", path.display())),
    }
    std::fs::write(path, fixed).map_err(|e| format!("{}: cannot write the fixed file: {e}", path.display()))
}

/// A progress bar on stderr for long runs on a terminal; does nothing otherwise.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(files: usize) -> Self {
        if files < PROGRESS_MIN_FILES || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(Some(files as u64), indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} files ({eta})") {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress(Some(bar))
    }

    fn phase(&self, name: &'static str) {
        if let Some(bar) = &self.0 {
            bar.set_message(name);
            bar.set_position(0);
        }
    }

    fn tick(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

fn color_wanted(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none()
}

/// A 1-based line and character column, as printed and in every output format.
fn position(rope: &Rope, byte: usize) -> (usize, usize) {
    let lc = byte_to_linecol(rope, byte, Encoding::Utf32);
    (lc.line + 1, lc.col + 1)
}

/// A path as shown and as put in machine-readable output: forward slashes, no leading `./`.
fn display_path(path: &Path) -> String {
    let parts: Vec<_> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        return path.display().to_string();
    }
    let joined = parts.join("/");
    // `RootDir` renders as "/" and would double the separator.
    if path.has_root() && cfg!(unix) {
        format!("/{}", joined.trim_start_matches('/'))
    } else {
        joined
    }
}

fn write_report(
    out: &mut impl Write,
    format: Format,
    reports: &[FileReport],
    config: &Config,
    errors: &[String],
    terminal: bool,
) -> std::io::Result<()> {
    match format {
        Format::Human => {
            write_fixes(out, reports)?;
            write_human(out, reports, color_wanted(terminal))
        }
        Format::Json => {
            write_fixes(&mut std::io::stderr().lock(), reports)?;
            write_json(out, reports)
        }
        Format::Sarif => {
            write_fixes(&mut std::io::stderr().lock(), reports)?;
            write_sarif(out, reports, config, errors)
        }
        Format::Github => {
            write_fixes(&mut std::io::stderr().lock(), reports)?;
            write_github(out, reports)
        }
    }
}

/// What `--fix` changed: one line per applied fix.
fn write_fixes(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    for r in reports {
        if let Some(fixed) = &r.fixed {
            for a in &fixed.applied {
                writeln!(out, "fixed {}: {} [{}]", display_path(&r.path), a.title, a.rule)?;
            }
        }
    }
    Ok(())
}

/// `--diff`: a unified diff per changed file, with the path in both headers (apply it with
/// `patch -p0` or `git apply -p0`).
fn write_diff(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    let mut fixes = 0;
    let mut files = 0;
    let mut remaining = 0;
    for r in reports {
        remaining += r.findings.len();
        let Some(fixed) = &r.fixed else { continue };
        files += 1;
        fixes += fixed.applied.len();
        let name = display_path(&r.path);
        let diff = similar::TextDiff::from_lines(fixed.original.as_str(), r.text.as_str());
        diff.unified_diff().context_radius(3).header(&name, &name).to_writer(&mut *out)?;
    }
    // The summary goes to stderr so that stdout is a patch and nothing else.
    let mut err = std::io::stderr().lock();
    if fixes == 0 {
        writeln!(err, "gohazard: nothing to fix")?;
    } else {
        writeln!(err, "gohazard: {fixes} fix{} in {files} file{}", plural_es(fixes), plural(files))?;
    }
    if remaining > 0 {
        writeln!(err, "gohazard: {remaining} hazard{} would remain without a fix", plural(remaining))?;
    }
    Ok(())
}

fn write_json(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    // Each item is made as it is written, not all of them first (see `Lazy`).
    let items =
        reports.iter().filter(|r| !r.findings.is_empty()).flat_map(|r| r.findings.iter().map(move |f| json_item(r, f)));
    serde_json::to_writer_pretty(&mut *out, &Lazy::new(items))?;
    writeln!(out)
}

/// One finding of `--format json`.
fn json_item(r: &FileReport, f: &Finding) -> Value {
    let pos = |b: usize| {
        let (line, column) = r.located.at(b);
        json!({ "line": line, "column": column })
    };
    let fixes: Vec<_> = f
        .fixes
        .iter()
        .map(|fix| {
            let edits: Vec<_> = fix
                .edits
                .iter()
                .map(|e| json!({ "start": pos(e.range.start), "end": pos(e.range.end), "new_text": e.new_text }))
                .collect();
            json!({ "title": fix.title, "edits": edits })
        })
        .collect();
    json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "message": f.message,
        "path": display_path(&r.path),
        "start": pos(f.range.start),
        "end": pos(f.range.end),
        "fixes": fixes,
    })
}

/// `--format github`: one workflow command per finding, which GitHub shows as an annotation on the
/// line (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`).
fn write_github(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    for r in reports.iter().filter(|r| !r.findings.is_empty()) {
        let file = display_path(&r.path);
        for f in &r.findings {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Hint => "notice",
            };
            let (line, col) = r.located.at(f.range.start);
            let (end_line, end_col) = r.located.at(f.range.end);
            writeln!(
                out,
                "::{level} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
                escape_property(&file),
                escape_property(&format!("gohazard {}", f.rule)),
                escape_data(&format!("{} ({})", f.message, rules::docs_url(f.rule))),
            )?;
        }
    }
    Ok(())
}

/// Escapes the message of a workflow command, as the GitHub Actions toolkit does.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

const SARIF_SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

/// `--format sarif`: one SARIF 2.1.0 log with one run. Paths relative to the current directory
/// are given relative to `%SRCROOT%` (the current directory), which is what GitHub code scanning
/// expects when the check runs at the repository's root; other paths are absolute `file:` URIs.
fn write_sarif(
    out: &mut impl Write,
    reports: &[FileReport],
    config: &Config,
    errors: &[String],
) -> std::io::Result<()> {
    let enabled: Vec<&Rule> = RULES.iter().filter(|r| config.is_enabled(r.id)).collect();
    let sarif_rules: Vec<Value> = enabled
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": camel_name(r.id),
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": what_it_does(r) },
                "helpUri": rules::docs_url(r.id),
                "help": { "text": r.docs.trim(), "markdown": rules::page(r) },
                "defaultConfiguration": { "level": sarif_level(config.severity(r)) },
                "properties": { "tags": ["go", "reliability", "performance"], "precision": "high" },
            })
        })
        .collect();
    // One result at a time, written as it is made: a large workspace's results, as one tree of
    // JSON values, took more memory than the whole analysis.
    let results = reports.iter().filter(|r| !r.findings.is_empty()).flat_map(|r| {
        let artifact = artifact_location(&r.path);
        let enabled = &enabled;
        r.findings.iter().map(move |f| sarif_result(r, &artifact, f, enabled))
    });
    let notifications: Vec<Value> =
        errors.iter().map(|e| json!({ "level": "error", "message": { "text": e } })).collect();
    let mut run = serde_json::Map::new();
    let tool = json!({ "driver": {
        "name": "gohazard",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://github.com/gohazard/gohazard",
        "rules": sarif_rules,
    } });
    run.insert("tool".into(), tool);
    let invocations =
        json!([{ "executionSuccessful": errors.is_empty(), "toolExecutionNotifications": notifications }]);
    run.insert("invocations".into(), invocations);
    run.insert("columnKind".into(), "unicodeCodePoints".into());
    // A place held for the results, which are written in it as they are made.
    run.insert("results".into(), Value::Null);
    if let Ok(cwd) = std::env::current_dir() {
        let mut uri = file_uri(&cwd);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run.insert("originalUriBaseIds".into(), json!({ SRCROOT: { "uri": uri } }));
    }
    let mut log = serde_json::Map::new();
    log.insert("$schema".into(), SARIF_SCHEMA.into());
    log.insert("version".into(), "2.1.0".into());
    log.insert("runs".into(), Value::Null);
    let run = Splice { map: &run, key: "results", with: Lazy::new(results) };
    let log = Splice { map: &log, key: "runs", with: std::slice::from_ref(&run) };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// One SARIF result.
fn sarif_result(r: &FileReport, artifact: &Value, f: &Finding, enabled: &[&Rule]) -> Value {
    let region = |range: &std::ops::Range<usize>| {
        let (start_line, start_column) = r.located.at(range.start);
        let (end_line, end_column) = r.located.at(range.end);
        json!({ "startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column })
    };
    let location = |range: &std::ops::Range<usize>| json!({ "physicalLocation": { "artifactLocation": artifact.clone(), "region": region(range) } });
    let mut result = json!({
        "ruleId": f.rule,
        "level": sarif_level(f.severity),
        "message": { "text": f.message },
        "locations": [location(&f.range)],
    });
    if let Some(i) = enabled.iter().position(|x| x.id == f.rule) {
        result["ruleIndex"] = i.into();
    }
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                let mut loc = location(&rel.range);
                loc["id"] = i.into();
                loc["message"] = json!({ "text": rel.message });
                loc
            })
            .collect();
        result["relatedLocations"] = related.into();
    }
    if !f.fixes.is_empty() {
        let fixes: Vec<Value> = f
            .fixes
            .iter()
            .map(|fix| {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| json!({ "deletedRegion": region(&e.range), "insertedContent": { "text": e.new_text } }))
                    .collect();
                json!({
                    "description": { "text": fix.title },
                    "artifactChanges": [{ "artifactLocation": artifact.clone(), "replacements": replacements }],
                })
            })
            .collect();
        result["fixes"] = fixes.into();
    }
    result
}

/// A JSON array written from an iterator as it is serialized, so that its elements never all
/// exist at once. It serializes once; a second time gives an empty array.
struct Lazy<I>(std::cell::RefCell<Option<I>>);

impl<I> Lazy<I> {
    fn new(items: I) -> Self {
        Lazy(std::cell::RefCell::new(Some(items)))
    }
}

impl<I: Iterator<Item = Value>> serde::Serialize for Lazy<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        serializer.collect_seq(items.into_iter().flatten())
    }
}

/// A JSON object written as `map`, except that the value of `key` (a placeholder in `map`, so
/// that the keys keep the order `map` gives them) is `with`.
struct Splice<'a, T> {
    map: &'a serde_json::Map<String, Value>,
    key: &'static str,
    with: T,
}

impl<T: serde::Serialize> serde::Serialize for Splice<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.map.len()))?;
        for (k, v) in self.map {
            if k == self.key {
                map.serialize_entry(k, &self.with)?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// `double-next` to `DoubleNext`, SARIF's readable rule name.
fn camel_name(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// The first paragraph of the rule's "What it does" section, else its summary.
fn what_it_does(rule: &Rule) -> String {
    let section = rule.docs.split("## What it does").nth(1).unwrap_or("");
    let para = section.trim_start().split("\n\n").next().unwrap_or("").trim();
    if para.is_empty() || para.starts_with("##") {
        rule.summary.to_string()
    } else {
        para.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// A SARIF artifact location: relative to `%SRCROOT%` when the path is below the current
/// directory, else an absolute `file:` URI.
fn artifact_location(path: &Path) -> Value {
    if path.is_relative() && !path.components().any(|c| matches!(c, Component::ParentDir)) {
        let segments: Vec<String> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(percent_encode(&s.to_string_lossy())),
                _ => None,
            })
            .collect();
        return json!({ "uri": segments.join("/"), "uriBaseId": SRCROOT });
    }
    let abs = path.canonicalize().or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_path_buf());
    json!({ "uri": file_uri(&abs) })
}

/// `file:` URI of an absolute path.
fn file_uri(abs: &Path) -> String {
    let segments: Vec<String> = abs
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(percent_encode(&s.to_string_lossy())),
            _ => None,
        })
        .collect();
    format!("file:///{}", segments.join("/"))
}

/// Percent-encodes one path segment: everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
    for r in reports.iter().filter(|r| !r.findings.is_empty()) {
        let located = &r.located;
        let path = display_path(&r.path);
        for f in &r.findings {
            total += 1;
            fixable += usize::from(!f.fixes.is_empty());
            let (line, col) = located.at(f.range.start);
            let sev = match f.severity {
                Severity::Error => paint(color, "1;31", "error"),
                Severity::Warning => paint(color, "1;33", "warning"),
                Severity::Info | Severity::Hint => paint(color, "1;36", f.severity.as_str()),
            };
            writeln!(out, "{path}:{line}:{col}: {sev}[{}] {}", paint(color, "1", f.rule), f.message)?;
            // The excerpt: the first line of the finding, tabs shown as four spaces, with carets.
            let src_line = located.line(line);
            let prefix: String = src_line.chars().take(col - 1).collect();
            let (end_line, end_col) = located.at(f.range.end);
            let span = src_line.chars().skip(col - 1);
            let span: String =
                if end_line == line { span.take(end_col.saturating_sub(col)).collect() } else { span.collect() };
            // Columns count characters, but a terminal shows CJK characters and most emoji two cells
            // wide, so the carets are placed and sized by display width.
            let cells = |text: &str| -> usize {
                text.chars()
                    .map(|c| if c == '\t' { 4 } else { unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) })
                    .sum()
            };
            let width = cells(&span).max(1);
            let gutter = format!("{line}");
            writeln!(out, "{} |", " ".repeat(gutter.len()))?;
            writeln!(out, "{gutter} | {}", src_line.replace('\t', "    "))?;
            let pad = cells(&prefix);
            writeln!(
                out,
                "{} | {}{}",
                " ".repeat(gutter.len()),
                " ".repeat(pad),
                paint(color, "1;31", &"^".repeat(width))
            )?;
            for r in &f.related {
                let (rl, rc) = located.at(r.range.start);
                writeln!(out, "{} = note: {} ({rl}:{rc})", " ".repeat(gutter.len()), r.message)?;
            }
            if let Some(fix) = f.fixes.iter().find(|x| x.preferred) {
                writeln!(out, "{} = fix: {}", " ".repeat(gutter.len()), fix.title)?;
            }
            writeln!(out, "{} = docs: {}", " ".repeat(gutter.len()), rules::docs_url(f.rule))?;
            writeln!(out)?;
        }
    }
    let fixed: usize = reports.iter().filter_map(|r| r.fixed.as_ref()).map(|f| f.applied.len()).sum();
    let fixed_files = reports.iter().filter(|r| r.fixed.is_some()).count();
    let files = reports.iter().filter(|r| !r.findings.is_empty()).count();
    let found = format!("{total} hazard{} in {files} file{} ({fixable} with a fix)", plural(total), plural(files));
    if fixed > 0 {
        let head = format!("Fixed {fixed} hazard{} in {fixed_files} file{}", plural(fixed), plural(fixed_files));
        if total == 0 {
            writeln!(out, "{head}; no hazards remain.")
        } else {
            writeln!(out, "{head}; {found} remain.")
        }
    } else if total == 0 {
        writeln!(out, "No hazards found.")
    } else {
        writeln!(out, "Found {found}.")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plural_es(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "es"
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
/// Prints a usage error and returns the usage exit status.
pub fn usage_error(msg: &str) -> ExitCode {
    eprintln!("gohazard: error: {msg}");
    ExitCode::from(EXIT_ERROR)
}

/// `gohazard explain --endpoints [PATH...] [--rps N]`: the amplification report. Exits 1 when a
/// route's estimate is over the budget, so CI can hold a service to it.
pub fn explain_endpoints(args: &[String], rps: Option<f64>, budget: f64) -> ExitCode {
    let paths: Vec<PathBuf> =
        if args.is_empty() { vec![PathBuf::from(".")] } else { args.iter().map(PathBuf::from).collect() };
    let (files, errors) = walk::go_files(&paths);
    for e in &errors {
        eprintln!("gohazard: error: {e}");
    }
    let config =
        match std::env::current_dir().ok().and_then(|d| config::find_config_file(&d)).map(|p| config::load_file(&p)) {
            Some(Ok((c, problems))) => {
                problems.iter().for_each(|p| eprintln!("gohazard: warning: {p}"));
                c
            }
            Some(Err(e)) => return usage_error(&e),
            None => Config::default(),
        };
    let texts: Vec<(String, String)> = files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            Some((p.display().to_string().trim_start_matches("./").to_string(), text))
        })
        .collect();
    let facts = crate::endpoints::facts_for_texts(&texts, &config);
    let summaries = crate::endpoints::build(&facts);
    print!("{}", crate::endpoints::render(&summaries, rps, budget));
    let over = rps.is_some_and(|r| summaries.iter().any(|s| s.live_goroutines(r).is_some_and(|l| l > budget)));
    ExitCode::from(if !errors.is_empty() {
        EXIT_ERROR
    } else if over {
        EXIT_FOUND
    } else {
        EXIT_CLEAN
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_paths_and_escapes() {
        assert_eq!(camel_name("unbounded-read"), "UnboundedRead");
        assert_eq!(display_path(Path::new("./a/b.go")), "a/b.go");
        assert_eq!(display_path(Path::new("/tmp/a.go")), "/tmp/a.go");
        assert_eq!(percent_encode("a b%.go"), "a%20b%25.go");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(artifact_location(Path::new("./x y/m.go"))["uri"], "x%20y/m.go");
        for r in RULES {
            assert!(!what_it_does(r).is_empty());
        }
    }

    /// The output takes every position from `Located` instead of the text: it must give what the
    /// rope gives, for each offset a finding carries, across `\r\n` line ends and wide characters.
    #[test]
    fn located_gives_the_positions_of_the_text() {
        use crate::analysis::{Edit, Fix, Related};
        let text = "package p\r\n\n// é日本\r\nfunc f() {\n\tx := \"ü\"\r\n}\n";
        let at = |needle: &str| text.find(needle).unwrap();
        let finding = |start: usize, end: usize| Finding {
            rule: "double-next",
            severity: Severity::Warning,
            message: String::new(),
            range: start..end,
            related: vec![Related { range: at("f()")..at("f()") + 1, message: String::new() }],
            fixes: vec![Fix {
                id: "x",
                title: String::new(),
                edits: vec![Edit { range: at("}")..text.len(), new_text: String::new() }],
                preferred: true,
            }],
        };
        let findings = vec![finding(at("日"), at("本")), finding(at("x :="), at("\"ü") + 2)];
        let located = Located::new(text, &findings);
        let rope = Rope::from_str(text);
        for f in &findings {
            let offsets = [f.range.start, f.range.end, f.related[0].range.start, f.fixes[0].edits[0].range.end];
            for b in offsets {
                assert_eq!(located.at(b), position(&rope, b), "offset {b}");
            }
            let line = position(&rope, f.range.start).0;
            assert_eq!(located.line(line), rope.line(line - 1).to_string().trim_end_matches(['\n', '\r']));
        }
        assert_eq!(located.line(3), "// é日本");
        assert_eq!(located.line(5), "\tx := \"ü\"");
    }
}
