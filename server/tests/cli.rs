//! End-to-end tests of `gohazard check`, `rules` and `explain` with the real binary.

mod common;

use std::path::Path;
use std::process::Output;

use common::{copy_dir, gohazard, gohazard_stdin};
use serde_json::Value;

const DOUBLE_NEXT: &str = "package mw

import \"github.com/gin-gonic/gin\"

func M(c *gin.Context) {
\tc.Next()
\t/* 😀 */ c.Next()
}
";

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
    // The carets sit under `c.Next()`: the tab shows as four cells, the emoji as two.
    assert!(text.contains("  |              ^^^^^^^^\n"), "{text}");
    assert!(text.contains("Found 1 hazard in 1 file (1 with a fix)."), "{text}");
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");
}

/// `--fix` on two files of one package that each read a body unbounded: each file declares the
/// size constant in its function, so the package does not declare `maxBodyBytes` twice at package
/// level (which would not compile).
#[test]
fn fixing_two_files_of_a_package_declares_the_size_constant_once_per_scope() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        let text = format!(
            "package api\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc {name}(w http.ResponseWriter, r *http.Request) {{\n\tb, _ := io.ReadAll(r.Body)\n\tw.Write(b)\n}}\n"
        );
        write(dir.path(), &format!("api/{name}.go"), text.as_bytes());
    }
    let out = gohazard(&["check", "--fix", "--select", "unbounded-read", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in ["a", "b"] {
        let fixed = std::fs::read_to_string(dir.path().join(format!("api/{name}.go"))).unwrap();
        let expected = format!(
            "func {name}(w http.ResponseWriter, r *http.Request) {{\n\tconst maxBodyBytes = 1 << 20 // 1 MiB\n\n\tb, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))\n"
        );
        assert!(fixed.contains(&expected), "{fixed}");
        assert_eq!(fixed.matches("maxBodyBytes =").count(), 1, "{fixed}");
    }
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
    // Go's `./...` pattern is a walk of the directory.
    let out = gohazard(&["check", "./..."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = gohazard(&["check", "sub/..."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
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
    // 20,000 functions (800 KB) keep this under a few seconds in debug builds with every rule.
    let big = format!("package a\n{}", "func f() { x := []int{1, 2, 3}; _ = x }\n".repeat(20_000));
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

// ---------------------------------------------------------------------------------------------
// CI and terminal features: SARIF, GitHub annotations, --fix, --diff, --stdin-filename,
// --select/--ignore, --exit-zero, gohazard.toml, the workspace index and go.mod facts.
// ---------------------------------------------------------------------------------------------

/// The rules whose fixes the golden tests rely on. Selecting them keeps those tests about the
/// command line, whatever new rules come to say about the same files.
const FIX_RULES: &str = "double-next,unbounded-read,unclosed-body,detached-context";

/// A file with two rules' findings, one per line: `double-next` (error) and `unbounded-read`.
const TWO_RULES: &str = "package mw

import (
\t\"io\"

\t\"github.com/gin-gonic/gin\"
)

func M(c *gin.Context) {
\tc.Next()
\tc.Next()
}

func Body(c *gin.Context) {
\tb, _ := io.ReadAll(c.Request.Body)
\tc.Data(200, \"text/plain\", b)
}
";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn rules_of(json_out: &Output) -> Vec<String> {
    let v: Value = serde_json::from_str(&stdout(json_out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(json_out)));
    v.as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("sarif-schema-2.1.0.json")).unwrap()).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not match the 2.1.0 schema:\n{}", errors.join("\n"));
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw/two rules.go", TWO_RULES.as_bytes());
    write(dir.path(), "mw/emoji.go", DOUBLE_NEXT.as_bytes());
    let out = gohazard(&["check", "--format", "sarif", "."], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid_sarif(&validator, &log);

    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "gohazard");
    let rules = driver["rules"].as_array().unwrap();
    let dn = rules.iter().find(|r| r["id"] == "double-next").expect("double-next is described");
    assert!(dn["helpUri"].as_str().unwrap().ends_with("docs/rules/double-next.md"));
    assert!(dn["help"]["markdown"].as_str().unwrap().contains("## Why it hurts under load"));
    assert!(!dn["shortDescription"]["text"].as_str().unwrap().is_empty());
    assert_eq!(dn["defaultConfiguration"]["level"], "error");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{results:#?}");
    for r in results {
        // GitHub code scanning looks rules up by index and id; both must agree.
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    let emoji =
        results.iter().find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "mw/emoji.go");
    let emoji = emoji.expect("a result in mw/emoji.go");
    assert_eq!(emoji["level"], "error");
    assert_eq!(
        emoji["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 7, "startColumn": 10, "endLine": 7, "endColumn": 18})
    );
    let fix = &emoji["fixes"][0];
    assert!(fix["description"]["text"].as_str().unwrap().starts_with("Remove"));
    assert_eq!(fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"], "");
    // The space in the file name is percent-encoded: the uri must be a valid URI reference.
    assert!(results
        .iter()
        .any(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "mw/two%20rules.go"));
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap();
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");

    // A clean run, and a run with an unreadable file, are valid too; the error is a notification.
    std::fs::remove_file(dir.path().join("mw/two rules.go")).unwrap();
    std::fs::remove_file(dir.path().join("mw/emoji.go")).unwrap();
    write(dir.path(), "bad.go", b"package a\n// \xff\n");
    let out = gohazard(&["check", "--format", "sarif", "--select", "double-next", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid_sarif(&validator, &log);
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 0);
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 1, "only the rules that ran");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"].as_str().unwrap();
    assert!(note.contains("bad.go: not valid UTF-8"), "{note}");
}

#[test]
fn the_sarif_validator_rejects_what_github_would() {
    // The schema test above is only worth something if the validator does catch mistakes.
    let validator = sarif_validator();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [
        {"ruleId": "x", "message": {}, "level": "fatal"}]}]});
    assert!(validator.iter_errors(&bad).count() >= 3);
}

#[test]
fn github_format_writes_workflow_annotations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw/mw.go", DOUBLE_NEXT.as_bytes());
    write(dir.path(), "mw/body.go", TWO_RULES.as_bytes());
    let out = gohazard(&["check", "--format", "github", "./mw"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines.contains(&"::error file=mw/mw.go,line=7,col=10,endLine=7,endColumn=18,title=gohazard double-next::`c.Next()` runs the rest of the handler chain a second time on this path: every handler behind this middleware does its work twice per request (https://github.com/gohazard/gohazard/blob/main/docs/rules/double-next.md)"),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "::warning file=mw/body.go,line=15,col=10,endLine=15,endColumn=36,title=gohazard unbounded-read::"
        )),
        "{text}"
    );
    for l in &lines {
        assert!(!l.contains('\r') && l.starts_with("::"), "{l}");
    }
}

#[test]
fn fix_rewrites_files_to_the_golden_results_and_leaves_them_clean() {
    let golden_root = data_dir().join("fix");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&golden_root, dir.path());
    let out = gohazard(&["check", "--fix", "--select", FIX_RULES, "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "all findings were fixable: {}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    for line in [
        "fixed mw/logging.go: Remove the extra `c.Next()` [double-next]",
        "fixed upstream/client.go: Add `defer resp.Body.Close()` after the error check [unclosed-body]",
        "fixed upstream/client.go: Read at most maxBodyBytes bytes with io.LimitReader [unbounded-read]",
        "fixed handlers/profile.go: Derive from the request's context: `c.Request.Context()` [detached-context]",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
    }
    assert!(text.ends_with("Fixed 4 hazards in 3 files; no hazards remain.\n"), "{text}");

    let update = std::env::var_os("GOHAZARD_UPDATE_GOLDEN").is_some();
    for rel in ["mw/logging.go", "upstream/client.go", "handlers/profile.go", "handlers/health.go"] {
        let fixed = std::fs::read_to_string(dir.path().join(rel)).unwrap();
        let golden_path = golden_root.join(format!("{rel}.golden"));
        if update {
            std::fs::write(&golden_path, &fixed).unwrap();
        }
        let golden = std::fs::read_to_string(&golden_path).unwrap();
        assert_eq!(fixed, golden, "{rel} differs from its golden file (GOHAZARD_UPDATE_GOLDEN=1 rewrites it)");
    }
    let clean = std::fs::read_to_string(golden_root.join("handlers/health.go")).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("handlers/health.go")).unwrap(), clean);

    let out = gohazard(&["check", "--select", FIX_RULES, "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "fixed code is clean: {}", stdout(&out));
    // A second --fix has nothing to do and says so.
    let out = gohazard(&["check", "--fix", "--select", FIX_RULES, "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "No hazards found.\n");
}

#[test]
fn fix_reports_what_remains_and_never_writes_code_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    // The finding has a fix, but the file has a syntax error elsewhere: no result parses cleanly,
    // so nothing is written and the finding is still reported.
    let broken = format!("{DOUBLE_NEXT}\nfunc broken( {{\n");
    write(dir.path(), "broken.go", broken.as_bytes());
    write(dir.path(), "mw.go", TWO_RULES.as_bytes());
    let out = gohazard(&["check", "--fix", "--select", "double-next", "."], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join("broken.go")).unwrap(), broken);
    let text = stdout(&out);
    assert!(text.contains("fixed mw.go: Remove the extra `c.Next()` [double-next]"), "{text}");
    assert!(text.contains("broken.go:7:10: error[double-next]"), "{text}");
    assert!(text.contains("Fixed 1 hazard in 1 file; 1 hazard in 1 file (1 with a fix) remain."), "{text}");
    // The unselected rule's hazard is untouched.
    assert!(std::fs::read_to_string(dir.path().join("mw.go")).unwrap().contains("io.ReadAll(c.Request.Body)"));

    // With a machine format, stdout stays that format and the fix report goes to stderr.
    write(dir.path(), "mw.go", TWO_RULES.as_bytes());
    let out = gohazard(&["check", "--fix", "--format", "json", "mw.go"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(rules_of(&out), Vec::<String>::new());
    assert!(stderr(&out).contains("fixed mw.go: Remove the extra `c.Next()` [double-next]"), "{}", stderr(&out));
}

#[test]
fn diff_prints_a_patch_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw/mw.go", TWO_RULES.as_bytes());
    write(dir.path(), "ok.go", b"package ok\n");
    let out = gohazard(&["check", "--diff", "--select", "double-next", "."], dir.path());
    assert_eq!(out.status.code(), Some(1), "the code still has the hazard: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "--- mw/mw.go\n+++ mw/mw.go\n@@ -8,7 +8,6 @@\n \n func M(c *gin.Context) {\n \tc.Next()\n-\tc.Next()\n }\n \n func Body(c *gin.Context) {\n"
    );
    assert!(stderr(&out).contains("1 fix in 1 file"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join("mw/mw.go")).unwrap(), TWO_RULES);

    // `--fix --diff` is still a dry run; nothing to fix prints nothing and exits 0.
    let out = gohazard(&["check", "--fix", "--diff", "ok.go"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("nothing to fix"));
}

#[test]
fn stdin_is_checked_as_the_named_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = gohazard_stdin(&["check", "--stdin-filename", "mw/mw.go"], dir.path(), DOUBLE_NEXT);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("mw/mw.go:7:10: error[double-next]"), "{}", stdout(&out));

    // With --fix the fixed buffer goes to stdout (for an editor or a pre-commit hook to take) and
    // the report to stderr; no file is written.
    let out = gohazard_stdin(&["check", "--fix", "--stdin-filename", "mw/mw.go"], dir.path(), TWO_RULES);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fixed = stdout(&out);
    assert_eq!(fixed.matches("c.Next()").count(), 1, "{fixed}");
    assert!(fixed.contains("io.LimitReader(c.Request.Body, maxBodyBytes)"), "{fixed}");
    assert!(stderr(&out).contains("fixed mw/mw.go: Remove the extra `c.Next()` [double-next]"), "{}", stderr(&out));
    assert!(!dir.path().join("mw/mw.go").exists());

    // A clean buffer comes back byte for byte.
    let clean = "package a\r\n\r\nfunc f() {}";
    let out = gohazard_stdin(&["check", "--fix", "--stdin-filename", "a.go"], dir.path(), clean);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), clean);

    // Test-file facts come from the name: detached-context is quiet in a _test.go file.
    let detached = "package a\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc H(w http.ResponseWriter, r *http.Request) {\n\tdo(context.Background())\n}\n";
    let out = gohazard_stdin(&["check", "--format", "json", "--stdin-filename", "h.go"], dir.path(), detached);
    assert_eq!(rules_of(&out), ["detached-context"]);
    let out = gohazard_stdin(&["check", "--format", "json", "--stdin-filename", "h_test.go"], dir.path(), detached);
    assert_eq!(rules_of(&out), Vec::<String>::new());

    let out = gohazard_stdin(&["check", "--stdin-filename", "a.go", "b.go"], dir.path(), clean);
    assert_eq!(out.status.code(), Some(2), "a buffer and paths together are a usage error");
}

#[test]
fn select_and_ignore_choose_rules_and_unknown_ids_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw.go", TWO_RULES.as_bytes());
    let json = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        args.push("mw.go");
        rules_of(&gohazard(&args, dir.path()))
    };
    assert_eq!(json(&[]), ["double-next", "unbounded-read"]);
    assert_eq!(json(&["--select", "unbounded-read"]), ["unbounded-read"]);
    assert_eq!(json(&["--select", "double-next,unbounded-read"]), ["double-next", "unbounded-read"]);
    assert_eq!(json(&["--select", "double-next", "--select", "unbounded-read"]), ["double-next", "unbounded-read"]);
    assert_eq!(json(&["--ignore", "double-next"]), ["unbounded-read"]);
    assert_eq!(json(&["--select", "double-next,unbounded-read", "--ignore", "unbounded-read"]), ["double-next"]);

    for flag in ["--select", "--ignore"] {
        let out = gohazard(&["check", flag, "double-next,no-such-rule", "mw.go"], dir.path());
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains(&format!("unknown rule \"no-such-rule\" in {flag}")), "{err}");
        assert!(stdout(&out).is_empty(), "nothing is checked after a usage error");
    }
}

#[test]
fn exit_zero_reports_but_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    let out = gohazard(&["check", "--exit-zero", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Found 1 hazard in 1 file"));
    // Errors are not hazards: they still fail.
    let out = gohazard(&["check", "--exit-zero", "missing.go"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn configuration_is_found_upwards_or_named_and_a_broken_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "svc/mw/mw.go", TWO_RULES.as_bytes());
    write(
        dir.path(),
        "gohazard.toml",
        b"# Team settings.\n[rules.double-next]\nseverity = \"hint\"\n\n[rules.unbounded-read]\nenabled = false\n",
    );
    // Found from a subdirectory of the one holding it.
    let out = gohazard(&["check", "--format", "json", "mw"], &dir.path().join("svc"));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 1, "{v:#}");
    assert_eq!(items[0]["rule"], "double-next");
    assert_eq!(items[0]["severity"], "hint");
    // --select wins over the file's `enabled = false`.
    let out = gohazard(&["check", "--format", "json", "--select", "unbounded-read", "mw"], &dir.path().join("svc"));
    assert_eq!(rules_of(&out), ["unbounded-read"]);

    // --config names another file; a setting that is merely wrong is a warning.
    write(dir.path(), "other.toml", b"[rules.no-such-rule]\nenabled = false\n");
    let out = gohazard(&["check", "--format", "json", "--config", "../other.toml", "mw"], &dir.path().join("svc"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(rules_of(&out), ["double-next", "unbounded-read"]);
    assert!(
        stderr(&out).contains("warning: ") && stderr(&out).contains("unknown rule \"no-such-rule\""),
        "{}",
        stderr(&out)
    );

    // A file that is not TOML stops the run with exit 2, naming the file and the line.
    write(dir.path(), "gohazard.toml", b"# Team settings.\nmax-body-bytes = \n");
    let out = gohazard(&["check", "mw"], &dir.path().join("svc"));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("gohazard.toml") && err.contains("line 2"), "{err}");
    assert!(stdout(&out).is_empty());
    let out = gohazard(&["check", "--config", "nope.toml", "mw"], &dir.path().join("svc"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
}

const TOOLBOX: &str = "package toolbox

// GetInfo returns the records of a user that match every entry of filter.
func GetInfo(userID, scope string, filter map[string]string) ([]string, error) {
\treturn nil, nil
}
";

const CALLER: &str = "package handlers

import (
\t\"net/http\"

\t\"github.com/gin-gonic/gin\"

\t\"example.com/svc/toolbox\"
)

func UserInfo(c *gin.Context) {
\tinfo, _ := toolbox.GetInfo(c.Param(\"id\"), \"\", make(map[string]string))
\tc.JSON(http.StatusOK, info)
}
";

#[test]
fn findings_use_declarations_from_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "go.mod", b"module example.com/svc\n\ngo 1.22\n");
    write(dir.path(), "toolbox/toolbox.go", TOOLBOX.as_bytes());
    write(dir.path(), "handlers/user.go", CALLER.as_bytes());
    // The callee's parameter named `filter` lives in another package's file: the walk puts both
    // in the index before any file is analysed.
    let out = gohazard(&["check", "--format", "json", "."], dir.path());
    assert_eq!(rules_of(&out), ["empty-filter"], "{}", stderr(&out));
    // The index covers the files being checked: alone, the caller's callee is unknown.
    let out = gohazard(&["check", "--format", "json", "handlers/user.go"], dir.path());
    assert_eq!(rules_of(&out), Vec::<String>::new());
    let out = gohazard(&["check", "--format", "json", "handlers/user.go", "toolbox"], dir.path());
    assert_eq!(rules_of(&out), ["empty-filter"]);
    // A buffer on stdin sees the declarations of its own package's files.
    write(dir.path(), "toolbox/caller.go", b"package toolbox\n");
    let local = CALLER
        .replace("toolbox.GetInfo", "GetInfo")
        .replace("package handlers", "package toolbox")
        .replace("\n\t\"example.com/svc/toolbox\"\n", "");
    let out =
        gohazard_stdin(&["check", "--format", "json", "--stdin-filename", "toolbox/caller.go"], dir.path(), &local);
    assert_eq!(rules_of(&out), ["empty-filter"], "{}", stderr(&out));
}

/// `check` answers the index rules in one pass from an outline of the workspace, a text scan that
/// assumes `gofmt`'s layout. Where that guess is wrong, the file that asked gets a second pass with
/// the complete index: the findings are those of the real declarations.
#[test]
fn a_wrong_outline_costs_a_second_pass_not_a_wrong_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "go.mod", b"module example.com/svc\n\ngo 1.22\n");
    write(dir.path(), "handlers/user.go", CALLER.as_bytes());
    let indented = TOOLBOX.replace("\nfunc GetInfo", "\n  func GetInfo");
    // A decoy at the start of a line inside a raw string, which the outline takes for a declaration.
    let decoy = |real: &str, fake: &str| format!("{real}\nvar doc = `\nfunc GetInfo{fake} {{}}\n`\n");
    let cases = [
        // The outline misses the real declaration.
        (indented.clone(), vec!["empty-filter"]),
        // The outline gives a declaration without the map parameter.
        (decoy(&indented, "(userID string)"), vec!["empty-filter"]),
        // The outline gives a map parameter that the real declaration does not have.
        (
            decoy(
                &indented.replace("filter map[string]string", "mode string"),
                "(a, b string, filter map[string]string)",
            ),
            vec![],
        ),
    ];
    for (toolbox, want) in cases {
        write(dir.path(), "toolbox/toolbox.go", toolbox.as_bytes());
        let out = gohazard(&["check", "--format", "json", "."], dir.path());
        assert_eq!(rules_of(&out), want, "{toolbox}\n{}", stderr(&out));
    }
}

#[test]
fn go_version_comes_from_the_nearest_go_mod() {
    // detached-context offers `context.WithoutCancel` only from Go 1.21 on: the number of fixes
    // shows which go.mod each file was analysed under.
    let detached = "package a\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc H(w http.ResponseWriter, r *http.Request) {\n\tdo(context.Background())\n}\n";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "go.mod", b"module example.com/new\n\ngo 1.22.3\n");
    write(dir.path(), "new/h.go", detached.as_bytes());
    write(dir.path(), "legacy/go.mod", b"module example.com/legacy\r\n\r\ngo 1.20 // pinned\r\n");
    write(dir.path(), "legacy/deep/er/h.go", detached.as_bytes());
    let out = gohazard(&["check", "--format", "json", "--select", "detached-context", "."], dir.path());
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let fixes = |suffix: &str| {
        let f = v.as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with(suffix)).unwrap();
        f["fixes"].as_array().unwrap().len()
    };
    assert_eq!(fixes("new/h.go"), 2, "{v:#}");
    assert_eq!(fixes("deep/er/h.go"), 1, "{v:#}");
}

#[test]
fn no_progress_bar_or_colour_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..600 {
        write(dir.path(), &format!("p{}/f{i}.go", i % 7), b"package p\n\nfunc f() {}\n");
    }
    write(dir.path(), "mw.go", DOUBLE_NEXT.as_bytes());
    let out = gohazard(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "", "nothing on stderr when it is not a terminal");
    assert!(!stdout(&out).contains('\x1b'));
}

#[test]
fn explain_endpoints_tells_the_story_of_the_example_service() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = gohazard(&["explain", "--endpoints", "examples/", "--rps", "500"], &root);
    assert_eq!(out.status.code(), Some(1), "over the default budget: {}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let table = text.lines().find(|l| l.starts_with("GET /users/:id ")).expect("the route is in the table");
    for cell in ["(*handlers.Users).GetUser", "×2", "8", "≤ 15s", "60000 OVER"] {
        assert!(table.contains(cell), "{cell:?} missing from {table:?}");
    }
    assert!(
        text.contains("×2 runs per request: middleware.LoggingMiddleware(logger) runs the rest of the chain twice"),
        "{text}"
    );
    assert!(
        text.contains("4 goroutine(s) started in (*handlers.Users).GetUser in range profileSections (4 items)"),
        "{text}"
    );
    assert!(text.contains("on the way: empty-filter (examples/service/handlers/users.go:99)"), "{text}");
    let out = gohazard(&["explain", "--endpoints", "examples/"], &root);
    assert_eq!(out.status.code(), Some(0), "without --rps there is no budget to exceed");
    let out = gohazard(&["explain", "double-next", "unbounded-read"], &root);
    assert_eq!(out.status.code(), Some(2), "one rule id at a time");
}
