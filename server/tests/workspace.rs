//! End-to-end tests of the server's workspace features: the scan with progress, file watching,
//! configuration files, pull diagnostics, hover, fix-all and suppression, with the real binary.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{copy_dir, uri, Client};
use gohazard::text::{linecol_to_byte, Encoding, LineCol};
use ropey::Rope;
use serde_json::{json, Value};

const BAD: &str = "package svc

import \"github.com/gin-gonic/gin\"

func M(c *gin.Context) {
\tc.Next()
\tc.Next()
}
";

const CLEAN: &str = "package svc\n\nfunc Ok() {}\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn caps(pull: bool) -> Value {
    let mut c = json!({
        "window": {"workDoneProgress": true},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}, "configuration": true}
    });
    if pull {
        c["textDocument"] = json!({"diagnostic": {"dynamicRegistration": false}});
    }
    c
}

fn start(root: &Path, pull: bool) -> Client {
    let mut c = Client::spawn(&["lsp"]);
    c.initialize_with(json!({
        "processId": null,
        "rootUri": uri(root),
        "workspaceFolders": [{"uri": uri(root), "name": "w"}],
        "capabilities": caps(pull),
        "initializationOptions": {"debounceMs": 0}
    }));
    c
}

fn apply(text: &str, edits: &[Value]) -> String {
    let rope = Rope::from_str(text);
    let pos = |p: &Value| {
        let lc = LineCol { line: p["line"].as_u64().unwrap() as usize, col: p["character"].as_u64().unwrap() as usize };
        linecol_to_byte(&rope, lc, Encoding::Utf16)
    };
    let mut spans: Vec<_> = edits
        .iter()
        .map(|e| (pos(&e["range"]["start"]), pos(&e["range"]["end"]), e["newText"].as_str().unwrap().to_string()))
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}

fn codes(diags: &Value) -> Vec<String> {
    diags.as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn scan_reports_progress_and_publishes_closed_files_then_follows_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("mw.go"), BAD);
    write(&root.join("ok.go"), CLEAN);
    write(&root.join("vendor/x/mw.go"), BAD);
    let mut c = start(root, false);

    let mw = c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri(&root.join("mw.go")));
    assert_eq!(codes(&mw["diagnostics"]), ["double-next"]);
    assert!(mw.get("version").is_none() || mw["version"].is_null(), "a file that is not open has no version");
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    let progress = c.seen("$/progress");
    assert_eq!(progress.first().map(|p| p["value"]["kind"].clone()), Some(json!("begin")), "{progress:?}");
    assert!(progress.iter().any(|p| p["value"]["kind"] == "report" && p["value"]["percentage"].is_u64()));
    let methods: Vec<_> = c.server_requests.iter().map(|r| r["method"].as_str().unwrap().to_string()).collect();
    assert!(methods.contains(&"window/workDoneProgress/create".to_string()), "{methods:?}");
    let reg =
        c.server_requests.iter().find(|r| r["method"] == "client/registerCapability").expect("watchers registered");
    assert_eq!(reg["params"]["registrations"][0]["method"], "workspace/didChangeWatchedFiles");
    assert!(
        c.seen("textDocument/publishDiagnostics").iter().all(|p| !p["uri"].as_str().unwrap().contains("vendor")),
        "vendor/ is skipped like in the CLI"
    );

    // A file changed on disk is re-analysed.
    write(&root.join("ok.go"), BAD);
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(&root.join("ok.go")), "type": 2}]}));
    let ok = c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri(&root.join("ok.go")));
    assert_eq!(codes(&ok["diagnostics"]), ["double-next"]);

    // A deleted file's diagnostics are cleared.
    std::fs::remove_file(root.join("ok.go")).unwrap();
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(&root.join("ok.go")), "type": 3}]}));
    let gone = c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri(&root.join("ok.go")));
    assert_eq!(gone["diagnostics"], json!([]));

    // The open buffer wins over the disk copy, and closing it goes back to the disk.
    let mw_uri = uri(&root.join("mw.go"));
    c.open(&mw_uri, CLEAN);
    assert!(c.diagnostics(&mw_uri, 1).is_empty());
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": mw_uri, "type": 2}]}));
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": mw_uri}}));
    let back = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == mw_uri && !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&back["diagnostics"]), ["double-next"]);
    assert!(c.shutdown().success());
}

#[test]
fn config_file_edits_apply_without_restart_and_broken_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("mw.go"), BAD);
    let mut c = start(root, false);
    let mw_uri = uri(&root.join("mw.go"));
    c.open(&mw_uri, BAD);
    assert_eq!(c.diagnostics(&mw_uri, 1).len(), 1);

    write(&root.join("gohazard.toml"), "[rules.double-next]\nenabled = false\n");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("gohazard.toml")), "type": 1}]}),
    );
    assert!(c.diagnostics(&mw_uri, 1).is_empty(), "the rule is disabled by the file");

    write(&root.join("gohazard.toml"), "[rules.double-next\nenabled = true\n");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("gohazard.toml")), "type": 2}]}),
    );
    let msg = c.wait_for("window/showMessage", |_| true);
    assert_eq!(msg["type"], 1);
    assert!(msg["message"].as_str().unwrap().contains("keeping the previous settings"), "{msg}");
    assert!(msg["message"].as_str().unwrap().contains("line 1"), "{msg}");
    assert!(c.diagnostics(&mw_uri, 1).is_empty(), "the previous (valid) settings stay");
    assert!(c.shutdown().success());
}

#[test]
fn pull_diagnostics_hover_fix_all_and_suppression() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("closed.go"), BAD);
    let mut c = start(root, true);
    let doc = uri(&root.join("open.go"));
    let text = format!("{BAD}\nfunc N(c *gin.Context) {{\n\tc.Next()\n\tc.Next()\n}}\n");
    c.open(&doc, &text);

    let report = c.request("textDocument/diagnostic", json!({"textDocument": {"uri": doc}}));
    assert_eq!(report["kind"], "full");
    assert_eq!(codes(&report["items"]), ["double-next", "double-next"]);
    let again = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": doc}, "previousResultId": report["resultId"]}),
    );
    assert_eq!(again["kind"], "unchanged");
    c.pump(Duration::from_millis(300));
    assert!(c.seen("textDocument/publishDiagnostics").iter().all(|p| p["uri"] != doc), "a pull client gets no pushes");

    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    let ws = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let closed = ws["items"].as_array().unwrap().iter().find(|i| i["uri"] == uri(&root.join("closed.go"))).unwrap();
    assert_eq!(codes(&closed["items"]), ["double-next"]);

    let hover =
        c.request("textDocument/hover", json!({"textDocument": {"uri": doc}, "position": {"line": 6, "character": 3}}));
    let md = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(
        md.contains("`double-next`") && md.contains("**Under load:**") && md.contains("docs/rules/double-next.md"),
        "{md}"
    );
    let nothing =
        c.request("textDocument/hover", json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": 1}}));
    assert!(nothing.is_null());

    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "only the fix-all action: {actions:?}");
    assert_eq!(actions[0]["title"], "Fix all gohazard findings (2 fixes)");
    let fixed = apply(&text, actions[0]["edit"]["changes"][&doc].as_array().unwrap());
    assert!(!gohazard::analysis::parse(&fixed, None).root_node().has_error(), "{fixed}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let report = c.request("textDocument/diagnostic", json!({"textDocument": {"uri": doc}}));
    assert_eq!(report["items"], json!([]), "fix-all leaves a clean file");

    // Suppression: the inserted comment silences exactly that finding.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 3}, "contentChanges": [{"text": BAD}]}),
    );
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 6, "character": 1}, "end": {"line": 6, "character": 1}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let suppress =
        actions.as_array().unwrap().iter().find(|a| a["title"] == "Suppress double-next on this line").unwrap();
    let silenced = apply(BAD, suppress["edit"]["changes"][&doc].as_array().unwrap());
    assert!(
        silenced.contains("\tc.Next()\n\t//gohazard:ignore double-next TODO: explain why this is safe\n\tc.Next()"),
        "{silenced}"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 4}, "contentChanges": [{"text": silenced}]}),
    );
    let report = c.request("textDocument/diagnostic", json!({"textDocument": {"uri": doc}}));
    assert_eq!(report["items"], json!([]));
    assert!(c.shutdown().success());
}

#[test]
fn code_lenses_show_what_one_request_turns_into() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/service"), root);
    let mut c = start(root, false);
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    let users = root.join("handlers/users.go");
    c.open(&uri(&users), &std::fs::read_to_string(&users).unwrap());
    let lenses = c.request("textDocument/codeLens", json!({"textDocument": {"uri": uri(&users)}}));
    let titles: Vec<&str> =
        lenses.as_array().unwrap().iter().map(|l| l["command"]["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"GET /users/:id · ×2 runs · 8 goroutines/request · live ≤ 15s"), "{titles:?}");
    let get_user = lenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["command"]["title"].as_str().unwrap().starts_with("GET /users/:id ·"))
        .unwrap();
    let line = get_user["range"]["start"]["line"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(&users).unwrap();
    assert!(text.lines().nth(line).unwrap().contains("func (h *Users) GetUser("), "the lens sits on the handler");
    // Fixing the middleware on disk takes the x2 away.
    let mw = root.join("middleware/logging.go");
    let fixed = std::fs::read_to_string(&mw).unwrap().replacen("\t\tctx.Next()\n\t}\n}", "\t}\n}", 1);
    write(&mw, &fixed);
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(&mw), "type": 2}]}));
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri(&mw) && !codes(&p["diagnostics"]).contains(&"double-next".to_string())
    });
    let lenses = c.request("textDocument/codeLens", json!({"textDocument": {"uri": uri(&users)}}));
    let titles: Vec<&str> =
        lenses.as_array().unwrap().iter().map(|l| l["command"]["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"GET /users/:id · 4 goroutines/request · live ≤ 15s"), "{titles:?}");
    assert!(c.shutdown().success());
}

#[test]
fn go_mod_versions_shape_fixes_and_changes_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("go.mod"), "module example.com/svc\n\ngo 1.20\n");
    let handler = "package svc\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc H(w http.ResponseWriter, r *http.Request) {\n\tctx := context.Background()\n\t_ = ctx\n}\n";
    write(&root.join("h.go"), handler);
    let mut c = start(root, false);
    let doc = uri(&root.join("h.go"));
    c.open(&doc, handler);
    assert_eq!(codes(&json!(c.diagnostics(&doc, 1))), ["detached-context"]);
    let titles = |c: &mut Client| -> Vec<String> {
        let actions = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 8, "character": 10}, "end": {"line": 8, "character": 10}},
                   "context": {"diagnostics": [], "only": ["quickfix"]}}),
        );
        actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_string()).collect()
    };
    let before = titles(&mut c);
    assert!(!before.iter().any(|t| t.contains("WithoutCancel")), "Go 1.20 has no context.WithoutCancel: {before:?}");
    write(&root.join("go.mod"), "module example.com/svc\n\ngo 1.22\n");
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(&root.join("go.mod")), "type": 2}]}));
    let mut after = Vec::new();
    for _ in 0..100 {
        after = titles(&mut c);
        if after.iter().any(|t| t.contains("WithoutCancel")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(after.iter().any(|t| t.contains("WithoutCancel")), "Go 1.22 offers it once go.mod changes: {after:?}");
    assert!(c.shutdown().success());
}
