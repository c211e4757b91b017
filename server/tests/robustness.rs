//! Robustness: the analysis never panics and never overflows its stack, whatever the input, and the
//! incremental path the language server takes gives the same trees and findings as a fresh parse.
//!
//! The property tests run `PROPTEST_CASES` cases each (the defaults keep this whole file under about
//! a minute in a debug build; `PROPTEST_CASES=5000 cargo test --release --test robustness` is a
//! long run). The pathological inputs run through the library on a thread with a 2 MiB stack, the
//! size of a default Rust thread, and where they are about files through the real binary. Their time
//! limits only catch hangs; speed is measured by `cargo bench --bench scan`.
//!
//! The issue's pathological inputs and where each is tested: 100,000-deep nesting
//! (`deep_nesting_does_not_overflow_the_stack` and `deep_nesting_on_slow_shapes_at_full_depth` in
//! release builds, `cli_survives_odd_files` through
//! the binary in every build), a 1 MB raw string (`huge_literals_and_odd_bytes`,
//! `cli_survives_odd_files`), invalid UTF-8 (`cli_reports_and_skips_invalid_utf8`; the server only
//! receives text as JSON strings, and skips such files on disk), symbolic link loops and unreadable
//! files (`cli_does_not_hang_on_a_symlink_loop`, `cli_reports_unreadable_files_and_directories`),
//! files over the size limit and generated code (`tests/skip.rs`, both front ends).
//!
//! A rule that panics is caught by `analysis::run_rule` and loses only its own findings, so "no
//! panic" cannot be seen in the result: a panic hook records every panic in this process instead,
//! and each test asserts the record is empty.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc::channel;
use std::sync::{Mutex, Once};
use std::time::Duration;

use gohazard::analysis::{analyze, analyze_text, parse, Finding};
use gohazard::config::Config;
use gohazard::text::{byte_to_point, linecol_to_byte, Encoding, LineCol};
use proptest::prelude::*;
use ropey::Rope;
use tree_sitter::{InputEdit, Tree};

// ---------------------------------------------------------------------------------------------
// Panic bookkeeping
// ---------------------------------------------------------------------------------------------

static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static HOOK: Once = Once::new();

/// Installs (once) a hook that records every panic with its location and backtrace, then calls the
/// default hook so the message is still printed.
fn record_panics() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The tests' own assertions fail here too; they are not a rule's panic.
            if info.location().is_some_and(|l| l.file().ends_with("robustness.rs")) {
                return default(info);
            }
            let bt = std::backtrace::Backtrace::force_capture();
            let thread = std::thread::current().name().unwrap_or("?").to_string();
            if let Ok(mut p) = PANICS.lock() {
                p.push(format!("[{thread}] {info}\n{bt}"));
            }
            default(info);
        }));
    });
}

/// Fails with the recorded panics, if any. Proptest catches the panic of a failing case and shrinks
/// it; the input is then printed by proptest itself.
fn assert_no_panics(input: &str) {
    let panics = PANICS.lock().map(|p| p.clone()).unwrap_or_default();
    assert!(panics.is_empty(), "a rule panicked on {:?}:\n{}", truncate(input, 400), panics.join("\n\n"));
}

fn truncate(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn check(text: &str) -> Vec<Finding> {
    record_panics();
    let findings = analyze_text(text, &Config::default());
    assert_no_panics(text);
    for f in &findings {
        assert!(
            f.range.start <= f.range.end && f.range.end <= text.len(),
            "{} range {:?} out of the text",
            f.rule,
            f.range
        );
        for fix in &f.fixes {
            for e in &fix.edits {
                assert!(e.range.start <= e.range.end && e.range.end <= text.len(), "{} fix edit {:?}", f.rule, e.range);
                assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
            }
        }
    }
    findings
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/rules")
}

/// Every Go fixture of every rule, in a stable order.
fn fixtures() -> &'static [(String, String)] {
    static FIXTURES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    FIXTURES.get_or_init(|| {
        let mut out = Vec::new();
        let mut dirs: Vec<_> = std::fs::read_dir(fixtures_dir()).unwrap().filter_map(Result::ok).collect();
        dirs.sort_by_key(|d| d.path());
        for d in dirs {
            let mut files: Vec<_> =
                std::fs::read_dir(d.path()).unwrap().filter_map(Result::ok).map(|f| f.path()).collect();
            files.sort();
            for f in files {
                if f.extension().is_some_and(|x| x == "go") {
                    let text = std::fs::read_to_string(&f).unwrap();
                    out.push((f.display().to_string(), text));
                }
            }
        }
        assert!(out.len() > 20, "the fixtures were not found under {}", fixtures_dir().display());
        out
    })
}

/// Tokens of the Go the rules look for, to make soup that reaches deep into the rules' logic.
const TOKENS: &[&str] = &[
    "package main\n",
    "import \"net/http\"\n",
    "import \"context\"\n",
    "import \"io\"\n",
    "import \"github.com/gin-gonic/gin\"\n",
    "import (\n\"time\"\n\"sync\"\n)\n",
    "func",
    "f",
    "g",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "\n",
    "\t",
    " ",
    ",",
    ";",
    ":=",
    "=",
    ".",
    "*",
    "&",
    "<-",
    "...",
    "go",
    "defer",
    "return",
    "if",
    "else",
    "for",
    "range",
    "switch",
    "case",
    "default:",
    "select",
    "break",
    "continue",
    "goto",
    "var",
    "const",
    "type",
    "struct",
    "interface",
    "map",
    "chan",
    "err",
    "nil",
    "ctx",
    "c",
    "r",
    "w",
    "resp",
    "body",
    "rows",
    "wg",
    "mu",
    "t",
    "x",
    "_",
    "c *gin.Context",
    "c echo.Context",
    "w http.ResponseWriter, r *http.Request",
    "ctx context.Context",
    "c.Next()",
    "ctx.Next()",
    "c.Request.Context()",
    "r.Context()",
    "context.Background()",
    "context.TODO()",
    "context.WithTimeout(ctx, 30*time.Second)",
    "context.WithCancel(ctx)",
    "cancel()",
    "http.Get(url)",
    "http.DefaultClient.Do(req)",
    "http.NewRequest(\"GET\", u, nil)",
    "resp.Body.Close()",
    "defer resp.Body.Close()",
    "io.ReadAll(r.Body)",
    "io.ReadAll(resp.Body)",
    "io.Copy(w, r.Body)",
    "io.LimitReader(r.Body, 1<<20)",
    "http.MaxBytesReader(w, r.Body, 1<<20)",
    "db.Query(q)",
    "rows.Close()",
    "rows.Next()",
    "time.NewTicker(time.Second)",
    "time.After(time.Minute)",
    "ticker.Stop()",
    "wg.Add(1)",
    "wg.Done()",
    "wg.Wait()",
    "mu.Lock()",
    "mu.Unlock()",
    "append(xs, x)",
    "make([]int, 0)",
    "[]int{}",
    "map[string]any{}",
    "bson.M{}",
    "zap.Any(\"req\", req)",
    "log.Printf(\"%+v\", x)",
    "30 * time.Second",
    "time.Hour",
    "&http.Client{}",
    "&http.Server{}",
    "\"str\"",
    "`raw\nstr`",
    "'c'",
    "42",
    "1.5",
    "// comment\n",
    "/* block */",
    "//gohazard:ignore double-next why\n",
    "//nolint\n",
    "é",
    "😀",
    "\r\n",
    "\u{feff}",
    "\0",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..200).prop_map(|t| t.join(" "))
}

/// A fixture with a few spans deleted, duplicated or replaced by tokens: code that is almost right,
/// which is what an editor holds most of the time.
fn mutated_fixture() -> impl Strategy<Value = String> {
    let n = fixtures().len();
    (
        0..n,
        prop::collection::vec((any::<prop::sample::Index>(), 0usize..40, 0u8..3, prop::sample::select(TOKENS)), 1..6),
    )
        .prop_map(|(i, muts)| {
            let mut text = fixtures()[i].1.clone();
            for (at, len, kind, tok) in muts {
                let start = floor_char(&text, at.index(text.len() + 1));
                let end = floor_char(&text, (start + len).min(text.len()));
                match kind {
                    0 => text.replace_range(start..end, ""),
                    1 => {
                        let dup = text[start..end].to_string();
                        text.insert_str(end, &dup);
                    }
                    _ => text.replace_range(start..end, tok),
                }
            }
            text
        })
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------------------------------------
// The incremental path, as `lsp::document::Document::apply_range` takes it
// ---------------------------------------------------------------------------------------------

/// One change as a client sends it: a range in UTF-16 line/columns (possibly out of range or
/// reversed) and its new text.
#[derive(Clone, Debug)]
struct Change {
    start: LineCol,
    end: LineCol,
    text: String,
}

/// Applies a change to the rope and to the tree, exactly as the server's document store does.
/// Returns the change that undoes it, in bytes: its range in the new text and the old text.
fn apply(rope: &mut Rope, tree: &mut Tree, c: &Change) -> (usize, usize, String) {
    let enc = Encoding::Utf16;
    let start_byte = linecol_to_byte(rope, c.start, enc);
    let old_end_byte = linecol_to_byte(rope, c.end, enc).max(start_byte);
    let old = rope.byte_slice(start_byte..old_end_byte).to_string();
    apply_bytes(rope, tree, start_byte, old_end_byte, &c.text);
    (start_byte, start_byte + c.text.len(), old)
}

fn apply_bytes(rope: &mut Rope, tree: &mut Tree, start_byte: usize, old_end_byte: usize, text: &str) {
    let start_position = byte_to_point(rope, start_byte);
    let old_end_position = byte_to_point(rope, old_end_byte);
    let start_char = rope.byte_to_char(start_byte);
    let end_char = rope.byte_to_char(old_end_byte);
    rope.remove(start_char..end_char);
    rope.insert(start_char, text);
    let new_end_byte = start_byte + text.len();
    tree.edit(&InputEdit {
        start_byte,
        old_end_byte,
        new_end_byte,
        start_position,
        old_end_position,
        new_end_position: byte_to_point(rope, new_end_byte),
    });
}

fn change() -> impl Strategy<Value = Change> {
    let text = prop_oneof![
        3 => prop::sample::select(TOKENS).prop_map(str::to_string),
        2 => prop::char::range('a', 'z').prop_map(|c| c.to_string()),
        1 => Just(String::new()),
        1 => prop::sample::select(&["é", "😀", "漢字", "\r\n", "\r", "\n\t", "\"", "`", "/*", "*/", "}\n", "{\n"][..])
            .prop_map(str::to_string),
    ];
    (0usize..120, 0usize..60, 0usize..3, 0usize..12, text).prop_map(|(line, col, dl, dc, text)| Change {
        start: LineCol { line, col },
        // Mostly short ranges on one line, sometimes across lines; a reversed range is possible
        // when `dl` is 0 and is treated as empty, as the server does.
        end: LineCol { line: line + dl / 2, col: if dl / 2 == 0 { col + dc } else { dc } },
        text,
    })
}

/// A starting text: a fixture, or nothing (typing into an empty file).
fn start_text() -> impl Strategy<Value = String> {
    let n = fixtures().len();
    prop_oneof![4 => (0..n).prop_map(|i| fixtures()[i].1.clone()), 1 => Just(String::new())]
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

fn cases(default: u32) -> ProptestConfig {
    // `PROPTEST_CASES` overrides the default through `ProptestConfig::default()`.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn go_token_soup_never_panics(text in soup()) {
        check(&text);
    }

    #[test]
    fn mutated_fixtures_never_panic(text in mutated_fixture()) {
        check(&text);
    }
}

proptest! {
    #![proptest_config(cases(96))]

    /// Edits applied through `Tree::edit` and incremental reparses, with an analysis every few edits
    /// as the debounced server does, end in the same tree and the same findings as a fresh parse
    /// whenever the text parses without errors. On text with syntax errors tree-sitter's error
    /// recovery may legitimately choose differently when it reuses old subtrees (a 5,000-case run
    /// found a `call_expression` recovered as a `type_assertion_expression` inside an ERROR), so
    /// there only "no panic" and findings in range are required.
    #[test]
    fn incremental_edits_match_a_fresh_parse(
        start in start_text(),
        changes in prop::collection::vec(change(), 1..40),
        analyse_every in 1usize..8,
    ) {
        record_panics();
        let config = Config::default();
        let mut rope = Rope::from_str(&start);
        let mut tree = parse(&start, None);
        let mut undo = Vec::new();
        for (i, c) in changes.iter().enumerate() {
            undo.push(apply(&mut rope, &mut tree, c));
            if i % analyse_every == 0 {
                let text = rope.to_string();
                tree = parse(&text, Some(&tree));
                analyze(&text, &tree, &config);
            }
        }
        let text = rope.to_string();
        let incremental = parse(&text, Some(&tree));
        let fresh = parse(&text, None);
        if fresh.root_node().has_error() {
            for f in analyze(&text, &incremental, &config) {
                prop_assert!(f.range.end <= text.len(), "{} range {:?} out of the text", f.rule, f.range);
            }
        } else {
            prop_assert_eq!(incremental.root_node().to_sexp(), fresh.root_node().to_sexp(), "text: {:?}", text);
            prop_assert_eq!(analyze(&text, &incremental, &config), analyze(&text, &fresh, &config));
        }
        // Undoing every edit, through the same path, must give back exactly the starting text, and
        // on it (a fixture without syntax errors, or nothing) the same tree and findings as a fresh
        // parse: this holds however broken the text was in between.
        let mut tree = incremental;
        for (i, (start_byte, end_byte, old)) in undo.into_iter().rev().enumerate() {
            apply_bytes(&mut rope, &mut tree, start_byte, end_byte, &old);
            if i % analyse_every == 0 {
                tree = parse(&rope.to_string(), Some(&tree));
            }
        }
        let back = rope.to_string();
        prop_assert_eq!(&back, &start);
        let incremental = parse(&back, Some(&tree));
        let fresh = parse(&back, None);
        prop_assert_eq!(incremental.root_node().to_sexp(), fresh.root_node().to_sexp());
        prop_assert_eq!(analyze(&back, &incremental, &config), analyze(&back, &fresh, &config));
        assert_no_panics(&text);
    }

    /// Every prefix of a fixture is a half-typed file; analysing it never panics.
    #[test]
    fn truncated_fixtures_never_panic(i in 0..fixtures().len(), cut in any::<prop::sample::Index>()) {
        let text = &fixtures()[i].1;
        check(&text[..floor_char(text, cut.index(text.len() + 1))]);
    }
}

/// Deterministic prefixes too: each fixture cut at sixteen evenly spaced points.
#[test]
fn fixture_prefixes_never_panic() {
    for (_, text) in fixtures() {
        for k in 0..16 {
            check(&text[..floor_char(text, text.len() * k / 16)]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pathological inputs, through the library
// ---------------------------------------------------------------------------------------------

/// Parses and analyses `text` on a thread with a 2 MiB stack (Rust's default for spawned threads,
/// whatever `RUST_MIN_STACK` says), so recursion that a bigger main stack would hide still shows.
/// A stack overflow aborts the whole test binary; a hang fails after `limit`.
fn analyse_on_small_stack(name: &str, text: String, limit: Duration) -> usize {
    record_panics();
    let (tx, rx) = channel();
    let t = std::time::Instant::now();
    std::thread::Builder::new()
        .name(format!("analyse {name}"))
        .stack_size(2 << 20)
        .spawn(move || {
            let findings = analyze_text(&text, &Config::default());
            // The tree and the findings are dropped on this thread too.
            let _ = tx.send(findings.len());
        })
        .unwrap();
    let n = rx.recv_timeout(limit).unwrap_or_else(|_| panic!("{name}: analysis took longer than {limit:?}"));
    eprintln!("{name}: {n} findings in {:.2} s", t.elapsed().as_secs_f64());
    assert_no_panics(name);
    n
}

/// 100,000 levels in an optimised build (`cargo test --release --test robustness`); a debug build
/// parses and analyses so slowly that it takes 10,000, which still overflows a 2 MiB stack if
/// anything recurses once per level with frames of 200 bytes or more. `GOHAZARD_DEPTH` overrides.
static DEPTH: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
    let default = if cfg!(debug_assertions) { 10_000 } else { 100_000 };
    std::env::var("GOHAZARD_DEPTH").ok().and_then(|d| d.parse().ok()).unwrap_or(default)
});

fn in_func(body: &str) -> String {
    format!("package deep\n\nimport \"net/http\"\n\nfunc f(w http.ResponseWriter, r *http.Request) {{\n{body}\n}}\n")
}

/// Nesting that every rule handles in linear time: 100,000 levels, analysed in full.
fn deep_inputs() -> Vec<(&'static str, String)> {
    let d = *DEPTH;
    vec![
        ("blocks", in_func(&format!("{}{}", "{".repeat(d), "}".repeat(d)))),
        ("parens", in_func(&format!("x := {}1{}\n_ = x", "(".repeat(d), ")".repeat(d)))),
        ("if-chain", in_func(&format!("{}{}", "if x {\n".repeat(d), "}".repeat(d)))),
        ("else-if chain", in_func(&format!("if x {{\n}}{}", " else if x {\n}".repeat(d)))),
        ("binary chain", in_func(&format!("x := 1{}\n_ = x", " + 1".repeat(d)))),
        ("unary chain", in_func(&format!("x := {}y\n_ = x", "!".repeat(d)))),
        ("unclosed", in_func(&"{ ( [ if x { go func() {".repeat(d / 5))),
    ]
}

/// Nesting on which the rules were once quadratic or worse, at 100,000 levels in a release build:
/// `for` loops over 15 s (append-without-prealloc), nested function literals with `go` and
/// `defer` over 15 s in thirteen rules, nested calls, composite literals and method chains over
/// 15 s in several. Most of it was the query cursor, which kept one state per open level; the rest
/// was rule code walking parents or rescanning per match. Since the query runs only at the nodes
/// where a pattern can start (`rules::all_matches`) and unbounded-goroutines stops judging past
/// eight nested functions, each shape takes about a second at full depth.
fn deep_inputs_slow() -> Vec<(&'static str, String)> {
    let d = *DEPTH;
    vec![
        ("for loops", in_func(&format!("{}{}", "for range xs {\n".repeat(d), "}".repeat(d)))),
        (
            "nested func literals with go and defer",
            in_func(&format!("{}{}", "go func() {\ndefer func() {\n".repeat(d / 2), "}()\n}()\n".repeat(d / 2))),
        ),
        ("nested calls", in_func(&format!("http.Get({}u{})", "g(".repeat(d), ")".repeat(d)))),
        ("composite literals", in_func(&format!("x := {}{}\n_ = x", "[]any{".repeat(d), "}".repeat(d)))),
        ("method chain", in_func(&format!("c{}", ".Next()".repeat(d)))),
    ]
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    for (name, text) in deep_inputs() {
        analyse_on_small_stack(name, text, Duration::from_secs(120));
    }
}

#[test]
fn deep_nesting_on_slow_shapes_at_full_depth() {
    for (name, text) in deep_inputs_slow() {
        analyse_on_small_stack(name, text, Duration::from_secs(120));
    }
}

#[test]
fn huge_literals_and_odd_bytes() {
    let raw = format!("package a\n\nvar s = `{}`\n", "x\n".repeat(500_000));
    analyse_on_small_stack("1 MB raw string", raw, Duration::from_secs(60));
    // Escapes make one node per escape: 1 MB of them takes half a minute in a debug build.
    let escapes = if cfg!(debug_assertions) { 25_000 } else { 250_000 };
    let interpreted = format!("package a\n\nvar s = \"{}\"\n", "\\x41".repeat(escapes));
    analyse_on_small_stack("interpreted string of escapes", interpreted, Duration::from_secs(60));
    for (name, text) in [
        ("empty", ""),
        ("only a BOM", "\u{feff}"),
        ("BOM then package", "\u{feff}package a\n"),
        ("NUL bytes", "package a\x00\nfunc f() {\x00 go g(\x00) }\n\x00"),
        ("only NULs", "\0\0\0\0"),
        ("CR line ends", "package a\rfunc f(c *gin.Context) {\rc.Next()\rc.Next()\r}\r"),
    ] {
        analyse_on_small_stack(name, text.to_string(), Duration::from_secs(20));
    }
}

/// 50,000 lines of plain code with a handler every twenty functions (10,000 lines in a debug build,
/// where the 50,000 take two minutes).
#[test]
fn a_fifty_thousand_line_file() {
    let lines = if cfg!(debug_assertions) { 10_000 } else { 50_000 };
    analyse_on_small_stack("50k-line file", fifty_k_lines(20, lines), Duration::from_secs(120));
}

/// 50,000 lines of handlers, each with findings (10,000 in a debug build). In a release build
/// every rule together once took 34 s: unbounded-read rescanned the file's top-level names per
/// finding, and request-without-context and client-without-timeout looked for file-level `var`s
/// among every top-level item per name they resolved (7 s and 2.5 s). All rules take 1.4 s now.
#[test]
fn a_fifty_thousand_line_file_of_handlers() {
    let lines = if cfg!(debug_assertions) { 10_000 } else { 50_000 };
    analyse_on_small_stack("50k lines of handlers", fifty_k_lines(1, lines), Duration::from_secs(120));
}

/// A 50,000-line file of the shapes the rules look at: one handler with hazards in every
/// `plain + 1` units, plain functions otherwise.
fn fifty_k_lines(plain: usize, total: usize) -> String {
    let unit = "
func (h *H) Get(c *gin.Context) {
\tctx := c.Request.Context()
\tresp, err := http.Get(h.url)
\tif err != nil {
\t\treturn
\t}
\tdefer resp.Body.Close()
\tbody, _ := io.ReadAll(resp.Body)
\tgo h.work(ctx, body)
\tc.Next()
}
";
    let head = "package big\n\nimport (\n\t\"io\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n";
    let mut text = String::from(head);
    let plain_unit = "\nfunc sum(xs []int) (n int) {\n\tfor _, x := range xs {\n\t\tn += x\n\t}\n\treturn n\n}\n";
    let mut lines = text.lines().count();
    let mut i = 0;
    while lines < total {
        let u = if i % (plain + 1) == 0 { unit } else { plain_unit };
        text.push_str(u);
        lines += u.matches('\n').count();
        i += 1;
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Pathological inputs, through the real binary
// ---------------------------------------------------------------------------------------------

fn gohazard(args: &[&str], dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gohazard"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run gohazard");
    // A hang is a failure, not a stuck test run: give up (and kill it) after a minute.
    let id = child.id();
    let (tx, rx) = channel();
    let waiter = std::thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
        }
    });
    let _ = child.stdin.take();
    let out = {
        use std::io::Read;
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let mut e = child.stderr.take().unwrap();
        let t = std::thread::spawn(move || {
            let _ = e.read_to_end(&mut stderr);
            stderr
        });
        child.stdout.take().unwrap().read_to_end(&mut stdout).unwrap();
        let stderr = t.join().unwrap();
        let status = child.wait().unwrap();
        Output { status, stdout, stderr }
    };
    let _ = tx.send(());
    waiter.join().unwrap();
    assert!(out.status.code().is_some(), "gohazard {args:?} was killed (hang or crash): {}", stderr(&out));
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const DOUBLE_NEXT: &str =
    "package mw\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc M(c *gin.Context) {\n\tc.Next()\n\tc.Next()\n}\n";

#[test]
fn cli_survives_odd_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    write(dir.path(), "empty.go", b"");
    write(dir.path(), "bom.go", b"\xef\xbb\xbf");
    write(dir.path(), "nul.go", b"package a\n\x00\x00func f() {\x00}\n");
    write(dir.path(), "deep.go", in_func(&format!("{}{}", "{".repeat(100_000), "}".repeat(100_000))).as_bytes());
    write(dir.path(), "raw.go", format!("package a\n\nvar s = `{}`\n", "x".repeat(1 << 20)).as_bytes());
    let out = gohazard(&["check", "--format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(1), "only the planted finding: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<_> = v.as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    assert_eq!(rules, ["double-next"], "{}", stderr(&out));
}

#[test]
fn cli_reports_and_skips_invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    write(dir.path(), "latin1.go", b"package a\n// caf\xe9\n");
    write(dir.path(), "truncated.go", b"package a\n// \xf0\x9f\x98\n");
    let out = gohazard(&["check", "--format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(2), "an unreadable file is an I/O error");
    let err = stderr(&out);
    assert!(err.contains("latin1.go: not valid UTF-8") && err.contains("truncated.go: not valid UTF-8"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "the valid file is still checked");
}

#[cfg(unix)]
#[test]
fn cli_does_not_hang_on_a_symlink_loop() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pkg/mw.go", DOUBLE_NEXT.as_bytes());
    // A directory that contains itself, a pair that point at each other, and a dangling link.
    symlink(dir.path().join("pkg"), dir.path().join("pkg/self")).unwrap();
    symlink("b.go", dir.path().join("pkg/a.go")).unwrap();
    symlink("a.go", dir.path().join("pkg/b.go")).unwrap();
    symlink("nowhere.go", dir.path().join("pkg/dangling.go")).unwrap();
    let out = gohazard(&["check", "--format", "json", "."], dir.path());
    // The walk does not follow symbolic links, so none of them is an error or a second copy.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "one finding, not one per path to it: {v}");
    // Named explicitly, a link loop is not a file and not a directory: a clear error, exit 2.
    let out = gohazard(&["check", "pkg/a.go"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pkg/a.go"), "{}", stderr(&out));
    // Named explicitly, the looping directory is walked once.
    let out = gohazard(&["check", "--format", "json", "pkg/self"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn cli_reports_unreadable_files_and_directories() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    write(dir.path(), "secret.go", DOUBLE_NEXT.as_bytes());
    write(dir.path(), "locked/inner.go", DOUBLE_NEXT.as_bytes());
    let secret = dir.path().join("secret.go");
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root (in many containers and CI runners) permission bits do not stop reads.
    let enforced = std::fs::read(&secret).is_err();
    let out = gohazard(&["check", "--format", "json", "."], dir.path());
    // Restore the permissions so the temporary directory can be removed.
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let err = stderr(&out);
    if enforced {
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("secret.go") && err.contains("ermission denied"), "{err}");
        assert!(err.contains("locked"), "the unreadable directory is reported: {err}");
        assert_eq!(v.as_array().unwrap().len(), 1, "the readable file is still checked");
    } else {
        eprintln!("running as root: permission bits are not enforced, every file is read");
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(v.as_array().unwrap().len(), 3);
    }
}
