//! End-to-end tests of `gohazard check`, `rules` and `explain` with the real binary.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const DOUBLE_NEXT: &str = "package mw

import \"github.com/gin-gonic/gin\"

func M(c *gin.Context) {
\tc.Next()
\t/* 😀 */ c.Next()
}
";

fn gohazard(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gohazard")).args(args).current_dir(dir).output().expect("run gohazard")
}

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn json_output_has_the_documented_shape_with_character_columns() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    let out = gohazard(&["check", "--format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 1);
    let f = &items[0];
    assert_eq!(f["rule"], "double-next");
    assert_eq!(f["severity"], "error");
    assert!(f["path"].as_str().unwrap().ends_with("mw.go"));
    // Line 7, after a tab, "/* 😀 */" (7 characters, 10 bytes) and a space: column 10 in characters.
    assert_eq!(f["start"], serde_json::json!({"line": 7, "column": 10}));
    assert_eq!(f["end"], serde_json::json!({"line": 7, "column": 18}));
    let fix = &f["fixes"][0];
    assert!(fix["title"].as_str().unwrap().contains("Remove"));
    assert_eq!(fix["edits"][0]["new_text"], "");
    assert!(f["message"].as_str().unwrap().contains("twice per request"));
}

#[test]
fn human_output_points_at_the_source() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    let out = gohazard(&["check", "mw.go"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("mw.go:7:10: error[double-next] `c.Next()` runs the rest"), "{text}");
    assert!(text.contains("7 |     /* 😀 */ c.Next()"), "{text}");
    assert!(text.contains("  |             ^^^^^^^^\n"), "{text}");
    assert!(text.contains("Found 1 hazard in 1 file (1 with a fix)."), "{text}");
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");
}

#[test]
fn walker_honours_gitignore_and_skips_vendor_and_testdata() {
    let dir = tempfile::tempdir().unwrap();
    for rel in ["vendor/x/mw.go", "testdata/mw.go", "gen/mw.go", "sub/testdata/mw.go"] {
        write(dir.path(), rel, DOUBLE_NEXT.as_bytes());
    }
    write(dir.path(), ".gitignore", b"gen/\n");
    write(dir.path(), "ok.go", b"package ok\n");
    let out = gohazard(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("No hazards found."));
    // A file named on the command line is checked even where a walk would skip it.
    let out = gohazard(&["check", "vendor/x/mw.go"], dir.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn errors_exit_2_with_a_clear_message_and_other_files_still_report() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.go", b"package a\n// \xff\xfe not utf-8\n");
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    let out = gohazard(&["check", "--format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.go: not valid UTF-8 (at byte 13)"), "{err}");
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "the valid file is still reported");

    let out = gohazard(&["check", "no/such/dir"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/dir: no such file or directory"));

    let out = gohazard(&["check", "--format", "yaml"], dir.path());
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn huge_and_deeply_nested_files_are_checked_without_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("package a\nfunc f() {{\n{}{}}}\n", "if x {\n".repeat(5000), "}\n".repeat(5000));
    write(dir.path(), "deep.go", deep.as_bytes());
    let big = format!("package a\n{}", "func f() { x := []int{1, 2, 3}; _ = x }\n".repeat(100_000));
    write(dir.path(), "big.go", big.as_bytes());
    let out = gohazard(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn rules_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let out = gohazard(&["rules"], dir.path());
    assert!(out.status.success());
    let text = stdout(&out);
    for id in ["double-next", "unbounded-read", "unclosed-body"] {
        assert!(text.lines().any(|l| l.starts_with(id)), "{text}");
    }
    let out = gohazard(&["explain", "double-next"], dir.path());
    assert!(out.status.success());
    assert!(stdout(&out).contains("## Why it hurts under load"));
    let out = gohazard(&["explain", "no-such-rule"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("known rules: double-next"));
}
