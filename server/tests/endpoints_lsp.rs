//! The amplification report in the language server, end to end with the real binary: the hover
//! over a handler lists every factor with a link to its place, diagnostics carry the endpoint
//! context of their function, and lenses, hovers and diagnostics follow edits of open documents
//! and files moved on disk.

mod common;

use std::path::Path;

use common::{copy_dir, uri, Client};
use serde_json::{json, Value};

/// The example service in a temporary workspace, with the server started and its scan done.
fn start(pull: bool) -> (tempfile::TempDir, Client) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/service"), dir.path());
    let mut caps = json!({
        "window": {"workDoneProgress": true},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
    });
    if pull {
        caps["textDocument"] = json!({"diagnostic": {"dynamicRegistration": false}});
    }
    start_with(dir, caps)
}

/// [`start`] with the client capabilities `caps`.
fn start_with(dir: tempfile::TempDir, caps: Value) -> (tempfile::TempDir, Client) {
    let mut c = Client::spawn(&["lsp"]);
    c.initialize_with(json!({
        "processId": null,
        "rootUri": uri(dir.path()),
        "workspaceFolders": [{"uri": uri(dir.path()), "name": "w"}],
        "capabilities": caps,
        "initializationOptions": {"debounceMs": 0}
    }));
    c.wait_for("$/progress", |p| p["value"]["kind"] == "end");
    (dir, c)
}

fn messages(diags: &Value) -> Vec<String> {
    diags.as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap().to_string()).collect()
}

fn message_of<'a>(diags: &'a Value, rule: &str) -> Option<&'a str> {
    diags.as_array()?.iter().find(|d| d["code"] == rule).and_then(|d| d["message"].as_str())
}

/// Waits for diagnostics of `uri` whose `rule` message ends with `tail`.
fn wait_message(c: &mut Client, uri: &str, rule: &str, tail: &str) -> Value {
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && message_of(&p["diagnostics"], rule).is_some_and(|m| m.ends_with(tail))
    })
}

fn lens_titles(c: &mut Client, uri: &str) -> Vec<String> {
    let lenses = c.request("textDocument/codeLens", json!({"textDocument": {"uri": uri}}));
    lenses.as_array().unwrap().iter().map(|l| l["command"]["title"].as_str().unwrap().to_string()).collect()
}

/// The position of `needle` in `text` (ASCII), as LSP line and character.
fn position_of(text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

/// Sends one change of the open document `uri`, as its version `version`.
fn change(c: &mut Client, uri: &str, version: i64, edit: Value) {
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [edit]}),
    );
}

fn hover_text(c: &mut Client, uri: &str, pos: Value) -> String {
    let h = c.request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": pos}));
    h["contents"]["value"].as_str().unwrap_or_default().to_string()
}

#[test]
fn hover_on_a_handler_lists_each_factor_with_its_place() {
    let (dir, mut c) = start(false);
    let root = dir.path();
    let users = root.join("handlers/users.go");
    let text = std::fs::read_to_string(&users).unwrap();
    c.open(&uri(&users), &text);
    let mut pos = position_of(&text, "GetUser(c *gin.Context)");
    pos["character"] = json!(pos["character"].as_u64().unwrap() + 3);
    let md = hover_text(&mut c, &uri(&users), pos);
    let base = uri(root);
    for part in [
        // Once per route the handler serves.
        "**gohazard endpoint** GET /users/:id · ×2 runs · 8 goroutines/request · live ≤ 15s",
        "**gohazard endpoint** GET /special/users/:id · ×2 runs · 8 goroutines/request · live ≤ 15s",
        &format!("registered at [main.go:39]({base}/main.go#L39)"),
        &format!("runs the rest of the chain twice ([middleware/logging.go:30]({base}/middleware/logging.go#L30))"),
        &format!("in range profileSections (4 items) ([handlers/users.go:73]({base}/handlers/users.go#L73))"),
        "= 4 per run × 2 runs = 8 goroutines per request",
        &format!("up to 15s each, on a context detached from the request ([handlers/users.go:76]({base}/handlers/users.go#L76))"),
        &format!("**on the way**: `empty-filter` ([handlers/users.go:99]({base}/handlers/users.go#L99))"),
        &format!("**on the way**: `unbounded-read` ([upstream/client.go:51]({base}/upstream/client.go#L51))"),
        "**certainty**: fully resolved from syntax",
    ] {
        assert!(md.contains(part), "{part:?} missing from the hover:\n{md}");
    }
    assert!(md.contains("(\\*handlers.Users).GetUser"), "Markdown emphasis is escaped: {md}");
    // Elsewhere in the handler's body there is no endpoint hover.
    let body = position_of(&text, "userID := c.Param(\"id\")\n\tclaims");
    assert!(!hover_text(&mut c, &uri(&users), body).contains("gohazard endpoint"));
    // A handler that is also a finding's place would show both; the card handler shows its own.
    let card = position_of(&text, "GetUserCard(c *gin.Context)");
    let md = hover_text(&mut c, &uri(&users), card);
    assert!(md.contains("GET /users/:id/card · ×2 runs · 6 goroutines/request"), "{md}");
    assert!(md.contains("bounded by errgroup.SetLimit"), "{md}");

    // Middleware: a lens and a hover on its declaration, with the routes whose chains hold it.
    let mw = root.join("middleware/logging.go");
    let mw_text = std::fs::read_to_string(&mw).unwrap();
    c.open(&uri(&mw), &mw_text);
    assert_eq!(lens_titles(&mut c, &uri(&mw)), ["middleware on 5 routes · runs each handler ×2"]);
    let auth = root.join("middleware/auth.go");
    c.open(&uri(&auth), &std::fs::read_to_string(&auth).unwrap());
    assert_eq!(lens_titles(&mut c, &uri(&auth)), ["middleware on 4 routes"], "the /users and /special groups");
    let md = hover_text(&mut c, &uri(&mw), position_of(&mw_text, "LoggingMiddleware(logger"));
    assert!(md.starts_with("**gohazard middleware** middleware on 5 routes · runs each handler ×2"), "{md}");
    assert!(
        md.contains(&format!(
            "- GET /users/:id → `(*handlers.Users).GetUser` ([main.go:39]({base}/main.go#L39)): runs the rest of the chain twice"
        )),
        "{md}"
    );
    assert!(md.contains("- GET /healthz → `func literal`"), "{md}");
    assert!(c.shutdown().success());
}

#[test]
fn diagnostics_carry_their_endpoint_context_pushed_and_pulled() {
    // Pushed: the scan sends the files that are not open with their context once every route is known.
    let (dir, mut c) = start(false);
    let root = dir.path();
    let client = uri(&root.join("upstream/client.go"));
    let tail = "(on GET /special/users/:id, GET /users/:id and GET /users/:id/card, which all run twice per request)";
    wait_message(&mut c, &client, "unbounded-read", tail);
    let users = root.join("handlers/users.go");
    let text = std::fs::read_to_string(&users).unwrap();
    c.open(&uri(&users), &text);
    let diags = c.diagnostics(&uri(&users), 1);
    let diags = Value::Array(diags);
    assert!(
        message_of(&diags, "empty-filter")
            .unwrap()
            .ends_with("(on GET /special/users/:id and GET /users/:id, which both run twice per request)"),
        "{diags}"
    );
    assert!(message_of(&diags, "unbounded-read")
        .unwrap()
        .ends_with("(on PUT /users/:id, which runs twice per request)"));
    // The middleware's own finding is on no handler's way.
    let mw = uri(&root.join("middleware/logging.go"));
    let p = c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == mw);
    assert!(messages(&p["diagnostics"]).iter().all(|m| !m.contains("(on ")), "{p}");
    assert!(c.shutdown().success());

    // Pulled: the same messages, for a file that is not open and for one that is.
    let (dir, mut c) = start(true);
    let root = dir.path();
    let client = uri(&root.join("upstream/client.go"));
    let report = c.request("textDocument/diagnostic", json!({"textDocument": {"uri": client}}));
    assert!(message_of(&report["items"], "unbounded-read").unwrap().ends_with(tail), "{report}");
    let users = root.join("handlers/users.go");
    c.open(&uri(&users), &std::fs::read_to_string(&users).unwrap());
    let report = c.request("textDocument/diagnostic", json!({"textDocument": {"uri": uri(&users)}}));
    assert!(message_of(&report["items"], "empty-filter").unwrap().ends_with("which both run twice per request)"));
    let again = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&users)}, "previousResultId": report["resultId"]}),
    );
    assert_eq!(again["kind"], "unchanged", "nothing changed: {again}");
    let all = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let item = all["items"].as_array().unwrap().iter().find(|i| i["uri"] == client).unwrap();
    assert!(message_of(&item["items"], "unbounded-read").unwrap().ends_with(tail), "{item}");
    // Fixing the middleware in another open file changes this file's context, not its version:
    // the client is asked to pull again, and the old result id no longer counts as unchanged.
    let refreshes =
        |c: &Client| c.server_requests.iter().filter(|r| r["method"] == "workspace/diagnostic/refresh").count();
    // Whatever the end of the scan asked for has arrived by now.
    c.pump(std::time::Duration::from_millis(300));
    let before = refreshes(&c);
    let mw = root.join("middleware/logging.go");
    let fixed = std::fs::read_to_string(&mw).unwrap().replacen("\t\tctx.Next()\n\t}\n}", "\t}\n}", 1);
    c.open(&uri(&mw), &fixed);
    let deadline = std::time::Instant::now() + common::TIMEOUT;
    while refreshes(&c) == before {
        assert!(std::time::Instant::now() < deadline, "no workspace/diagnostic/refresh");
        c.pump(std::time::Duration::from_millis(50));
    }
    let after = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&users)}, "previousResultId": report["resultId"]}),
    );
    assert_eq!(after["kind"], "full", "{after}");
    assert!(
        message_of(&after["items"], "empty-filter")
            .unwrap()
            .ends_with("(on GET /special/users/:id and GET /users/:id)"),
        "{after}"
    );
    assert!(c.shutdown().success());
}

#[test]
fn lenses_hovers_and_context_follow_edits_and_moved_files() {
    let (dir, mut c) = start(false);
    let root = dir.path();
    let users = root.join("handlers/users.go");
    let users_uri = uri(&users);
    let users_text = std::fs::read_to_string(&users).unwrap();
    c.open(&users_uri, &users_text);
    let mw = root.join("middleware/logging.go");
    let mw_uri = uri(&mw);
    let mw_text = std::fs::read_to_string(&mw).unwrap();
    c.open(&mw_uri, &mw_text);
    wait_message(&mut c, &users_uri, "empty-filter", "which both run twice per request)");
    assert!(lens_titles(&mut c, &users_uri)
        .contains(&"GET /users/:id · ×2 runs · 8 goroutines/request · live ≤ 15s".into()));

    // Typing: remove the second Next from the open middleware, without saving.
    let second = mw_text.rfind("\t\tctx.Next()\n").unwrap();
    let line = mw_text[..second].matches('\n').count();
    let edit = json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line + 1, "character": 0}}, "text": ""});
    change(&mut c, &mw_uri, 2, edit);
    let diags = Value::Array(c.diagnostics(&mw_uri, 2));
    assert!(message_of(&diags, "double-next").is_none(), "{diags}");
    // The handler's file is sent again: its findings no longer run twice.
    wait_message(&mut c, &users_uri, "empty-filter", "(on GET /special/users/:id and GET /users/:id)");
    let titles = lens_titles(&mut c, &users_uri);
    assert!(titles.contains(&"GET /users/:id · 4 goroutines/request · live ≤ 15s".into()), "{titles:?}");
    let get_user = {
        let mut p = position_of(&users_text, "GetUser(c *gin.Context)");
        p["character"] = json!(p["character"].as_u64().unwrap() + 1);
        p
    };
    let md = hover_text(&mut c, &users_uri, get_user.clone());
    assert!(!md.contains("×2 runs per request"), "{md}");

    // A file moved on disk: deleted at its old path, created at the new one.
    let old = root.join("upstream/client.go");
    let new = root.join("upstream/transport.go");
    std::fs::rename(&old, &new).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&old), "type": 3}, {"uri": uri(&new), "type": 1}]}),
    );
    c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri(&old) && p["diagnostics"] == json!([]));
    wait_message(
        &mut c,
        &uri(&new),
        "unbounded-read",
        "(on GET /special/users/:id, GET /users/:id and GET /users/:id/card)",
    );
    let md = hover_text(&mut c, &users_uri, get_user.clone());
    assert!(md.contains(&format!("({}#L51)", uri(&new))), "{md}");
    assert!(!md.contains("upstream/client.go"), "{md}");
    assert!(md.contains("**certainty**: fully resolved"), "the moved callee still resolves: {md}");

    // Typing the Next back: ×2 again, everywhere.
    let undo = json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": "\t\tctx.Next()\n"});
    change(&mut c, &mw_uri, 3, undo);
    let diags = Value::Array(c.diagnostics(&mw_uri, 3));
    assert!(message_of(&diags, "double-next").is_some(), "{diags}");
    wait_message(&mut c, &uri(&new), "unbounded-read", "which all run twice per request)");
    let titles = lens_titles(&mut c, &users_uri);
    assert!(titles.contains(&"GET /users/:id · ×2 runs · 8 goroutines/request · live ≤ 15s".into()), "{titles:?}");
    assert!(c.shutdown().success());
}

/// A burst of keystrokes moves one pending endpoint report instead of starting one per keystroke:
/// removing the second `Next` character by character, each edit published at once, ends with
/// the context of the final text in both files, and so does typing it back after a pause (a new
/// timer once the first has ended).
/// Opens the example's users handlers and its logging middleware (whose second `Next` makes every
/// handler run twice) and waits for the report to reach the handlers' diagnostics. Returns the
/// two URIs and the middleware's text.
fn open_users_and_middleware(c: &mut Client, root: &Path) -> (String, String, String) {
    let users_uri = uri(&root.join("handlers/users.go"));
    c.open(&users_uri, &std::fs::read_to_string(root.join("handlers/users.go")).unwrap());
    let mw = root.join("middleware/logging.go");
    let mw_uri = uri(&mw);
    let mw_text = std::fs::read_to_string(&mw).unwrap();
    c.open(&mw_uri, &mw_text);
    wait_message(c, &users_uri, "empty-filter", "which both run twice per request)");
    (users_uri, mw_uri, mw_text)
}

/// A client that supports it is asked to re-request its code lenses when the endpoint report
/// changes, so that the lenses of files other than the one being edited follow the edit; a
/// change that leaves the report as it was asks nothing.
#[test]
fn lenses_are_refreshed_when_the_report_changes() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/service"), dir.path());
    let caps = json!({"window": {"workDoneProgress": true}, "workspace": {"codeLens": {"refreshSupport": true}}});
    let (dir, mut c) = start_with(dir, caps);
    let (users_uri, mw_uri, mw_text) = open_users_and_middleware(&mut c, dir.path());
    let refreshes =
        |c: &Client| c.server_requests.iter().filter(|r| r["method"] == "workspace/codeLens/refresh").count();
    c.pump(std::time::Duration::from_millis(500));
    let before = refreshes(&c);

    // A comment typed into the middleware changes no route: no refresh.
    let edit =
        json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "// x\n"});
    change(&mut c, &mw_uri, 2, edit);
    c.diagnostics(&mw_uri, 2);
    c.pump(std::time::Duration::from_millis(800));
    assert_eq!(refreshes(&c), before, "a refresh though the report did not change");

    // Removing the second `Next` halves the handlers' work: the lenses are asked for again.
    let second = mw_text.rfind("\t\tctx.Next()\n").unwrap();
    let line = mw_text[..second].matches('\n').count() + 1;
    let edit = json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line + 1, "character": 0}}, "text": ""});
    change(&mut c, &mw_uri, 3, edit);
    wait_message(&mut c, &users_uri, "empty-filter", "(on GET /special/users/:id and GET /users/:id)");
    c.pump(std::time::Duration::from_millis(300));
    assert_eq!(refreshes(&c), before + 1, "{:?}", c.server_requests);
    assert!(c.shutdown().success());
}

#[test]
fn the_endpoint_report_follows_a_burst_of_keystrokes() {
    let (dir, mut c) = start(false);
    let (users_uri, mw_uri, mw_text) = open_users_and_middleware(&mut c, dir.path());

    let removed = "\t\tctx.Next()\n";
    let second = mw_text.rfind(removed).unwrap();
    let line = mw_text[..second].matches('\n').count();
    let mut version = 1;
    // Backwards from the line's end, one character per notification, with no pause between them.
    for col in (0..removed.len()).rev() {
        version += 1;
        let (end_line, end_col) = if col + 1 == removed.len() { (line + 1, 0) } else { (line, col + 1) };
        let edit = json!({"range": {"start": {"line": line, "character": col}, "end": {"line": end_line, "character": end_col}}, "text": ""});
        change(&mut c, &mw_uri, version, edit);
    }
    let diags = Value::Array(c.diagnostics(&mw_uri, version));
    assert!(message_of(&diags, "double-next").is_none(), "{diags}");
    wait_message(&mut c, &users_uri, "empty-filter", "(on GET /special/users/:id and GET /users/:id)");

    // Typed back in one change after the report: the users file runs twice per request again.
    c.pump(std::time::Duration::from_millis(300));
    // What the users file was sent before must not answer the wait below.
    while c.seen("textDocument/publishDiagnostics").iter().any(|p| p["uri"] == users_uri) {
        c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == users_uri);
    }
    version += 1;
    let undo = json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": removed});
    change(&mut c, &mw_uri, version, undo);
    let diags = Value::Array(c.diagnostics(&mw_uri, version));
    assert!(message_of(&diags, "double-next").is_some(), "{diags}");
    wait_message(&mut c, &users_uri, "empty-filter", "which both run twice per request)");
    assert!(c.shutdown().success());
}
