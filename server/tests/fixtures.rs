//! Rule fixtures in the style of Go's analysistest: Go files under `tests/rules/<rule-id>/` mark
//! every line that must be flagged with `// want "rule-id"`; every other line must stay quiet. A
//! file with a `.golden` sibling is fixed (the fix named by a `// gohazard-fix: ID` line, else each
//! finding's preferred fix) and must then equal the golden text, parse cleanly and have no findings.
//!
//! `GOHAZARD_UPDATE_GOLDEN=1 cargo test --test fixtures` rewrites the golden files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gohazard::analysis::{analyze_text, fix::fix_all, parse};
use gohazard::config::Config;
use gohazard::rules::RULES;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/rules")
}

fn go_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().path()) {
            if e.is_dir() {
                stack.push(e);
            } else if e.extension().is_some_and(|x| x == "go") {
                out.push(e);
            }
        }
    }
    out.sort();
    out
}

/// The `// want "a" "b"` expectations of a file: 1-based line -> rule ids.
fn wants(text: &str) -> BTreeMap<usize, Vec<String>> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("// want ") else { continue };
        let mut rest = &line[pos + "// want ".len()..];
        let mut ids = Vec::new();
        while let Some(start) = rest.find('"') {
            let Some(len) = rest[start + 1..].find('"') else { break };
            ids.push(rest[start + 1..start + 1 + len].to_string());
            rest = &rest[start + len + 2..];
        }
        assert!(!ids.is_empty(), "line {}: `// want` without a quoted rule id", i + 1);
        ids.sort();
        out.insert(i + 1, ids);
    }
    out
}

fn found(text: &str) -> BTreeMap<usize, Vec<String>> {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for f in analyze_text(text, &Config::default()) {
        let line = text[..f.range.start].matches('\n').count() + 1;
        out.entry(line).or_default().push(f.rule.to_string());
    }
    for ids in out.values_mut() {
        ids.sort();
    }
    out
}

fn fix_directive(text: &str) -> Option<String> {
    text.lines().find_map(|l| l.trim().strip_prefix("// gohazard-fix:").map(|s| s.trim().to_string()))
}

#[test]
fn every_want_is_found_and_nothing_else() {
    let mut failures = Vec::new();
    let files = go_files(&fixtures_root());
    assert!(!files.is_empty(), "no fixtures under {}", fixtures_root().display());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let want = wants(&text);
        let got = found(&text);
        if want != got {
            let lines: Vec<_> = text.lines().collect();
            let all: std::collections::BTreeSet<_> = want.keys().chain(got.keys()).collect();
            for line in all {
                let (w, g) = (want.get(line), got.get(line));
                if w != g {
                    failures.push(format!(
                        "{}:{line}: want {:?}, found {:?}\n    {}",
                        file.display(),
                        w.cloned().unwrap_or_default(),
                        g.cloned().unwrap_or_default(),
                        lines.get(line - 1).unwrap_or(&"").trim()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "fixture mismatches:\n{}", failures.join("\n"));
}

/// Every message and fix title is one line, however many lines the code it quotes spans: a
/// terminal, a hover, a problems list, a code action menu and a CI annotation all show it as one. The fixtures hold multi-line calls,
/// literals and deferred function literals (the defer-in-loop fixture quotes one).
#[test]
fn messages_stay_on_one_line() {
    let mut quoted = 0;
    for file in go_files(&fixtures_root()) {
        let text = std::fs::read_to_string(&file).unwrap();
        for f in analyze_text(&text, &Config::default()) {
            let related = f.related.iter().map(|r| &r.message);
            let messages = std::iter::once(&f.message).chain(related).chain(f.fixes.iter().map(|x| &x.title));
            for m in messages {
                assert!(!m.contains('\n'), "{}: a message over several lines: {m:?}", file.display());
                quoted += usize::from(m.contains("func() {…}()"));
            }
        }
    }
    assert!(quoted > 0, "no message quoted a multi-line function literal, so this test would pass without `snippet`");
}

#[test]
fn fixes_match_golden_files_and_leave_clean_code() {
    let update = std::env::var_os("GOHAZARD_UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    for file in go_files(&fixtures_root()) {
        if !file.file_name().unwrap().to_string_lossy().starts_with("fix") {
            continue;
        }
        let golden = file.with_extension("go.golden");
        let text = std::fs::read_to_string(&file).unwrap();
        let (fixed, applied) = fix_all(&text, &Config::default(), fix_directive(&text).as_deref(), 100);
        assert!(applied > 0, "{}: no fix applied", file.display());
        if update {
            std::fs::write(&golden, &fixed).unwrap();
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|e| panic!("{}: {e}; run with GOHAZARD_UPDATE_GOLDEN=1 to create it", golden.display()));
        assert_eq!(fixed, expected, "{}: fixed text differs from {}", file.display(), golden.display());
        assert!(!parse(&fixed, None).root_node().has_error(), "{}: fixed text does not parse", file.display());
        let left = found(&fixed);
        assert!(left.is_empty(), "{}: findings left after the fix: {left:?}", file.display());
        checked += 1;
    }
    assert!(checked > 0, "no golden files were checked");
}

/// The text of a fixture without its `// want` annotations, which are the test's and not code a
/// user would have (gofmt aligns them with the trailing comments of neighbouring lines).
fn without_wants(text: &str) -> String {
    text.lines().map(|l| l.find("// want ").map_or(l, |i| l[..i].trim_end())).collect::<Vec<_>>().join("\n") + "\n"
}

/// What `gofmt -l` says of `text`: `Some(true)` when gofmt would leave it as it is, `None` when
/// there is no gofmt to ask.
fn gofmt_clean(text: &str) -> Option<bool> {
    use std::io::Write;
    let mut child = std::process::Command::new("gofmt")
        .arg("-l")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "gofmt failed on:\n{text}");
    Some(out.stdout.is_empty())
}

/// Fixes keep gofmt'd code gofmt'd, so that accepting one never leaves a diff for the formatter:
/// every fix fixture, without its `// want` annotations, is gofmt-clean before and after its
/// fixes. Needs `gofmt`; CI installs Go and sets `GOHAZARD_REQUIRE_GOFMT=1`, so that there the
/// test cannot pass without running.
#[test]
fn fixes_keep_gofmt_clean_code_clean() {
    if gofmt_clean("package a\n").is_none() {
        assert!(
            std::env::var_os("GOHAZARD_REQUIRE_GOFMT").is_none(),
            "GOHAZARD_REQUIRE_GOFMT is set but gofmt is not installed"
        );
        eprintln!("gofmt is not installed: the gofmt check of the fixes did not run");
        return;
    }
    assert_eq!(gofmt_clean("package a\nfunc  f() {}\n"), Some(false), "gofmt -l does not report unformatted code");
    let mut checked = 0;
    for file in go_files(&fixtures_root()) {
        if !file.file_name().unwrap().to_string_lossy().starts_with("fix") {
            continue;
        }
        let text = without_wants(&std::fs::read_to_string(&file).unwrap());
        assert_eq!(gofmt_clean(&text), Some(true), "{}: the fixture is not gofmt'd", file.display());
        let (fixed, applied) = fix_all(&text, &Config::default(), fix_directive(&text).as_deref(), 100);
        assert!(applied > 0, "{}: no fix applied", file.display());
        assert_eq!(gofmt_clean(&fixed), Some(true), "{}: gofmt would change the fixed text:\n{fixed}", file.display());
        checked += 1;
    }
    assert!(checked > 0, "no fix fixtures were checked");
}

#[test]
fn every_rule_has_positives_and_a_fix_test() {
    let root = fixtures_root();
    for rule in RULES.iter().filter(|r| !r.summary.starts_with("TODO")) {
        let dir = root.join(rule.id);
        let files = if dir.is_dir() { go_files(&dir) } else { Vec::new() };
        let positives = files
            .iter()
            .map(|f| wants(&std::fs::read_to_string(f).unwrap()).values().flatten().filter(|id| *id == rule.id).count())
            .sum::<usize>();
        assert!(positives >= 3, "{}: only {positives} `// want` lines under {}", rule.id, dir.display());
        if rule.fixable {
            assert!(
                files.iter().any(|f| f.file_name().unwrap().to_string_lossy().starts_with("fix")),
                "{}: fixable but no fix test (fix*.go with a .golden file) under {}",
                rule.id,
                dir.display()
            );
        }
    }
}
