//! End-to-end tests of the language server: the real binary over stdio.

mod common;

use common::Client;
use gohazard::text::{byte_to_linecol, linecol_to_byte, Encoding, LineCol};
use ropey::Rope;
use serde_json::{json, Value};

const MIDDLEWARE: &str = "package mw

import \"github.com/gin-gonic/gin\"

func LoggingMiddleware() gin.HandlerFunc {
\treturn func(ctx *gin.Context) {
\t\tctx.Set(\"start\", 1)
\t\tctx.Next()
\t\tctx.Set(\"end\", 2)
\t\tctx.Next() // <- OUCH !
\t}
}
";

fn enc_of(name: &str) -> Encoding {
    match name {
        "utf-8" => Encoding::Utf8,
        "utf-32" => Encoding::Utf32,
        _ => Encoding::Utf16,
    }
}

/// Applies LSP text edits (positions in `enc`) to `text`, as an editor would.
fn apply_edits(text: &str, edits: &[Value], enc: Encoding) -> String {
    let rope = Rope::from_str(text);
    let pos = |p: &Value| {
        let lc = LineCol { line: p["line"].as_u64().unwrap() as usize, col: p["character"].as_u64().unwrap() as usize };
        linecol_to_byte(&rope, lc, enc)
    };
    let mut spans: Vec<(usize, usize, String)> = edits
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

fn lsp_pos(text: &str, byte: usize, enc: Encoding) -> Value {
    let lc = byte_to_linecol(&Rope::from_str(text), byte, enc);
    json!({"line": lc.line, "character": lc.col})
}

#[test]
fn diagnostics_and_quick_fix_round_trip() {
    // VS Code's client always adds --stdio; the server must accept it.
    let mut c = Client::spawn(&["lsp", "--stdio"]);
    let init = c.initialize(json!({}), json!({"debounceMs": 0}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16", "no utf-8 offered, so utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    let uri = "file:///w/mw.go";
    c.open(uri, MIDDLEWARE);
    let diags = c.diagnostics(uri, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "double-next");
    assert_eq!(d["source"], "gohazard");
    assert_eq!(d["severity"], 1);
    assert!(d["codeDescription"]["href"].as_str().unwrap().ends_with("/docs/rules/double-next.md"));
    assert_eq!(d["range"], json!({"start": {"line": 9, "character": 2}, "end": {"line": 9, "character": 12}}));
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri);
    assert_eq!(related["location"]["range"]["start"], json!({"line": 7, "character": 2}));

    // Ask for actions with the range only and no diagnostics in the context, like ALE.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 9, "character": 4}, "end": {"line": 9, "character": 4}},
               "context": {"diagnostics": []}}),
    );
    let actions = actions.as_array().unwrap();
    let kinds: Vec<_> = actions.iter().map(|a| (a["kind"].as_str().unwrap(), a["title"].as_str().unwrap())).collect();
    assert_eq!(
        kinds,
        [
            ("quickfix", "Remove the extra `ctx.Next()`"),
            ("quickfix", "Suppress double-next on this line"),
            ("source.fixAll.gohazard", "Fix all gohazard findings (1 fix)")
        ]
    );
    let a = &actions[0];
    assert_eq!(a["kind"], "quickfix");
    assert_eq!(a["isPreferred"], true);
    assert_eq!(a["diagnostics"][0]["code"], "double-next");
    let edits = a["edit"]["changes"][uri].as_array().unwrap();
    let fixed = apply_edits(MIDDLEWARE, edits, Encoding::Utf16);
    assert!(!fixed.contains("OUCH"), "{fixed}");
    assert_eq!(fixed.matches("ctx.Next()").count(), 1);

    // Nothing to fix elsewhere in the file.
    let none = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 3}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert_eq!(none, json!([]));

    // The fixed text, sent as a full replacement, is clean.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert!(c.diagnostics(uri, 2).is_empty());

    c.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    let cleared = c.wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri && p.get("version").is_none());
    assert_eq!(cleared["diagnostics"], json!([]));
    assert!(c.shutdown().success());
}

#[test]
fn utf8_is_negotiated_and_ranges_count_the_right_units() {
    let text = "package mw\r\n\r\nimport \"github.com/gin-gonic/gin\"\r\n\r\nfunc M(c *gin.Context) {\r\n\tc.Next()\r\n\t/* 😀 漢字 */ c.Next()\r\n}\r\n";
    let col16 = "\t/* 😀 漢字 */ ".encode_utf16().count();
    let col8 = "\t/* 😀 漢字 */ ".len();
    for (offered, expect_enc, col) in
        [(json!(["utf-8", "utf-16"]), "utf-8", col8), (json!(["utf-32"]), "utf-16", col16)]
    {
        let mut c = Client::spawn(&["lsp"]);
        let init = c.initialize(json!({"general": {"positionEncodings": offered}}), json!({"debounceMs": 0}));
        assert_eq!(init["capabilities"]["positionEncoding"], expect_enc);
        c.open("file:///w/crlf.go", text);
        let diags = c.diagnostics("file:///w/crlf.go", 1);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0]["range"]["start"], json!({"line": 6, "character": col}), "{expect_enc}");
        assert_eq!(diags[0]["range"]["end"], json!({"line": 6, "character": col + "c.Next()".len()}));

        // The quick fix, applied with the same encoding, removes exactly that call and keeps CRLF.
        let actions = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": "file:///w/crlf.go"}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
        );
        let edits = actions[0]["edit"]["changes"]["file:///w/crlf.go"].as_array().unwrap().clone();
        let fixed = apply_edits(text, &edits, enc_of(expect_enc));
        assert_eq!(fixed.matches("c.Next()").count(), 1, "{fixed:?}");
        // The call shares its line with a comment, so only the statement goes; CRLF stays.
        assert!(fixed.ends_with("\tc.Next()\r\n\t/* 😀 漢字 */\r\n}\r\n"), "{fixed:?}");
        assert!(c.shutdown().success());
    }
}

/// Edits that type `target` into an empty document one character at a time, with a typo fixed by
/// a backspace every few characters, until `count` edits were made. Returns the edits and the
/// text they produce.
fn typing_edits(target: &str, count: usize) -> (Vec<Value>, String) {
    let mut text = String::new();
    let mut edits = Vec::new();
    let mut chars = target.chars();
    let mut n = 0;
    while edits.len() < count {
        let Some(ch) = chars.next() else { break };
        let at = lsp_pos(&text, text.len(), Encoding::Utf16);
        if n % 5 == 4 && edits.len() + 2 <= count {
            // Type a wrong character, then delete it.
            edits.push(json!({"range": {"start": at, "end": at}, "text": "#"}));
            let after = lsp_pos(&format!("{text}#"), text.len() + 1, Encoding::Utf16);
            edits.push(json!({"range": {"start": at, "end": after}, "text": ""}));
        }
        n += 1;
        if edits.len() >= count {
            break;
        }
        edits.push(json!({"range": {"start": at, "end": at}, "text": ch.to_string()}));
        text.push(ch);
    }
    (edits, text)
}

#[test]
fn a_thousand_incremental_edits_apply_in_order() {
    // Non-ASCII characters make every later position depend on UTF-16 counting being right.
    let target = format!(
        "{MIDDLEWARE}\n// café 😀 — 漢字\n{}",
        MIDDLEWARE.replace("package mw\n", "").replace("LoggingMiddleware", "Again").repeat(3)
    );
    let (edits, expected) = typing_edits(&target, 1000);
    assert_eq!(edits.len(), 1000);
    assert!(expected.contains("OUCH"), "the typed text must contain a finding");

    let mut c = Client::spawn(&["lsp"]);
    c.initialize(json!({}), json!({"debounceMs": 5}));
    let uri = "file:///w/typed.go";
    c.open(uri, "");
    for (i, e) in edits.iter().enumerate() {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": i + 2}, "contentChanges": [e]}),
        );
    }
    let state = c.request("gohazard/documentState", json!({"uri": uri}));
    assert_eq!(state["version"], 1001);
    assert_eq!(state["text"].as_str().unwrap(), expected, "edits were applied out of order or at wrong offsets");
    let typed = c.diagnostics(uri, 1001);

    let fresh_uri = "file:///w/fresh.go";
    c.open(fresh_uri, &expected);
    let fresh = c.diagnostics(fresh_uri, 1);
    assert!(!fresh.is_empty());
    let normalize = |v: Vec<Value>| serde_json::to_string(&v).unwrap().replace(fresh_uri, uri);
    assert_eq!(normalize(typed), normalize(fresh));
    assert!(c.shutdown().success());
}

/// A file of many methods on one type, each with a `switch` whose `case` an edit can break, and
/// each leaving a response body open (one finding per method).
fn switch_methods(n: usize) -> String {
    let mut text = String::from(
        "package a\n\nimport (\n\t\"errors\"\n\t\"net/http\"\n)\n\nvar ErrConflict = errors.New(\"conflict\")\n\n\
         type API struct{ c *http.Client }\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "\nfunc (h *API) Get{i}(url string) error {{\n\tresp, err := h.c.Get(url)\n\tif err != nil {{\n\t\treturn err\n\t}}\n\
             \tswitch {{\n\tcase errors.Is(err, ErrConflict):\n\t\treturn err\n\tcase resp.StatusCode != http.StatusOK:\n\
             \t\treturn errors.New(\"status\")\n\t}}\n\treturn nil\n}}\n"
        ));
    }
    text
}

/// The server's incremental cache against a fresh open, one character at a time through edits
/// that break the syntax inside a method (an unfinished `case`, a broken `func`, a lost brace) and
/// repair it: at every step the published diagnostics equal those of a fresh open of that text.
/// The fresh opens go to a second server, so that they leave the first one's index, and with it
/// its cache, alone.
#[test]
fn breaking_and_repairing_a_method_publishes_what_a_fresh_open_does() {
    let text = switch_methods(30);
    let at = |needle: &str| text.find("Get15(").and_then(|m| text[m..].find(needle).map(|i| m + i)).unwrap();
    let case = at("case errors") + 1;
    let colon = at("ErrConflict):") + "ErrConflict)".len();
    let func = text[..at("Get15(")].rfind("func").unwrap() + 1;
    let close = at("\t}\n\treturn nil") + 1;
    // Each step: (byte, bytes removed, text inserted), applied to the previous version.
    let steps: &[(usize, usize, &str)] = &[
        (case, 0, "q"),
        (colon + 1, 1, ""),
        (colon + 1, 0, ":"),
        (case, 1, ""),
        (func, 0, "q"),
        (func, 1, ""),
        (close, 1, ""),
        (close, 0, "}"),
    ];
    let mut typed = Client::spawn(&["lsp"]);
    typed.initialize(json!({}), json!({"debounceMs": 0}));
    let mut fresh = Client::spawn(&["lsp"]);
    fresh.initialize(json!({}), json!({"debounceMs": 0}));
    let uri = "file:///w/typed.go";
    typed.open(uri, &text);
    assert_eq!(typed.diagnostics(uri, 1).len(), 30, "every method leaves its body open");
    let mut version = text.clone();
    for (i, &(byte, removed, inserted)) in steps.iter().enumerate() {
        let range = json!({
            "start": lsp_pos(&version, byte, Encoding::Utf16),
            "end": lsp_pos(&version, byte + removed, Encoding::Utf16),
        });
        version.replace_range(byte..byte + removed, inserted);
        let v = i as i64 + 2;
        typed.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"range": range, "text": inserted}]}),
        );
        let got = typed.diagnostics(uri, v);
        let fresh_uri = format!("file:///w/fresh{i}.go");
        fresh.open(&fresh_uri, &version);
        let want = fresh.diagnostics(&fresh_uri, 1);
        fresh.notify("textDocument/didClose", json!({"textDocument": {"uri": fresh_uri}}));
        let normalize = |v: Vec<Value>| serde_json::to_string(&v).unwrap().replace(&fresh_uri, uri);
        assert_eq!(normalize(got), normalize(want), "step {i}:\n{version}");
    }
    assert_eq!(version, text, "the steps repair what they break");
    assert!(typed.shutdown().success());
    assert!(fresh.shutdown().success());
}

/// Edits that arrive faster than the server analyses, without debounce: one analysis of a
/// document runs at a time and the newest version is the one analysed after it, with the cache the
/// previous analysis left; the last diagnostics equal a fresh open's. A document closed and opened
/// again under its URI while an analysis of the old one runs is analysed as the new text, and the
/// old analysis publishes nothing for it.
#[test]
fn a_burst_of_edits_and_a_reopen_during_analysis_publish_the_newest_text() {
    let text = switch_methods(200);
    let mut c = Client::spawn(&["lsp"]);
    c.initialize(json!({}), json!({"debounceMs": 0}));
    let uri = "file:///w/burst.go";
    c.open(uri, &text);
    assert_eq!(c.diagnostics(uri, 1).len(), 200);
    let mut version = text.clone();
    // Every edit types a letter into a method's name and the next one removes it again, so the
    // last text is the first; versions in between are replaced before their analysis ends.
    let mut v = 1;
    for i in 0..60 {
        let at = version.find(&format!("Get{}(", i * 3)).unwrap() + 3;
        for (removed, inserted) in [(0, "q"), (1, "")] {
            let range = json!({
                "start": lsp_pos(&version, at, Encoding::Utf16),
                "end": lsp_pos(&version, at + removed, Encoding::Utf16),
            });
            version.replace_range(at..at + removed, inserted);
            v += 1;
            c.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"range": range, "text": inserted}]}),
            );
        }
    }
    // And a last one that leaves a finding fewer: the first method closes its body.
    let at = version.find("\tif err != nil {").unwrap();
    let range = json!({"start": lsp_pos(&version, at, Encoding::Utf16), "end": lsp_pos(&version, at, Encoding::Utf16)});
    let close = "\tdefer resp.Body.Close()\n";
    version.replace_range(at..at, close);
    v += 1;
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"range": range, "text": close}]}),
    );
    let typed = c.diagnostics(uri, v);
    assert_eq!(typed.len(), 199);
    let fresh_uri = "file:///w/fresh.go";
    c.open(fresh_uri, &version);
    let fresh = c.diagnostics(fresh_uri, 1);
    let normalize = |v: &[Value], from: &str| serde_json::to_string(v).unwrap().replace(from, uri);
    assert_eq!(normalize(&typed, uri), normalize(&fresh, fresh_uri));
    // The cache went back to the document: it holds every item of the text.
    let status = c.request("gohazard/status", json!({}));
    let doc = status["documents"].as_array().unwrap().iter().find(|d| d["uri"] == uri).unwrap().clone();
    assert_eq!(doc["version"], v);
    assert!(doc["cacheItems"].as_u64().unwrap() > 200, "{doc}");

    // Close and open again with other text while the analysis of an edit may still run: the new
    // document starts at version 1 again, and only its text counts.
    let at = version.find("Get7(").unwrap() + 3;
    let range = json!({"start": lsp_pos(&version, at, Encoding::Utf16), "end": lsp_pos(&version, at, Encoding::Utf16)});
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": v + 1}, "contentChanges": [{"range": range, "text": "q"}]}),
    );
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    // The burst's versions 1 and 2 of the old text may have been published while it ran; the new
    // document's versions 1 and 2 are what the waits below mean.
    c.forget(uri);
    let small = switch_methods(3);
    c.open(uri, &small);
    let reopened = c.diagnostics(uri, 1);
    assert_eq!(reopened.len(), 3);
    let at = small.find("\tif err != nil {").unwrap();
    let range = json!({"start": lsp_pos(&small, at, Encoding::Utf16), "end": lsp_pos(&small, at, Encoding::Utf16)});
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": range, "text": close}]}),
    );
    assert_eq!(c.diagnostics(uri, 2).len(), 2);
    let state = c.request("gohazard/documentState", json!({"uri": uri}));
    assert_eq!(state["version"], 2);
    assert!(c.shutdown().success());
}

/// A change that arrives between an analysis and its publish (here the server's first publish is
/// held back by a test delay; on a loaded machine the scheduler does it now and then) is analysed
/// after that publish by the same run. Before, the change started a run of its own, which could
/// publish first: the client then kept the older version's diagnostics, and the endpoint report
/// of the newest version was never made.
#[test]
fn publishes_of_one_document_never_go_back_a_version() {
    let mut c = Client::spawn_with_env(&["lsp"], &[("GOHAZARD_TEST_PUBLISH_DELAY_MS", "1500")]);
    c.initialize(json!({}), json!({"debounceMs": 0}));
    let uri = "file:///w/order.go";
    let text = switch_methods(3);
    c.open(uri, &text);
    // The open's analysis takes milliseconds (at most a few hundred in a debug build under load);
    // its publish waits 1,500.
    std::thread::sleep(std::time::Duration::from_millis(700));
    let at = text.find("\tif err != nil {").unwrap();
    let range = json!({"start": lsp_pos(&text, at, Encoding::Utf16), "end": lsp_pos(&text, at, Encoding::Utf16)});
    let close = "\tdefer resp.Body.Close()\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": range, "text": close}]}),
    );
    // Every publish of the document, in the order they arrived.
    c.pump(std::time::Duration::from_millis(3000));
    let published: Vec<(i64, usize)> = c
        .seen("textDocument/publishDiagnostics")
        .into_iter()
        .filter(|p| p["uri"] == uri)
        .map(|p| (p["version"].as_i64().unwrap(), p["diagnostics"].as_array().unwrap().len()))
        .collect();
    assert!(published.windows(2).all(|w| w[0].0 <= w[1].0), "a version published after a newer one: {published:?}");
    assert_eq!(published.last(), Some(&(2, 2)), "{published:?}");
    assert!(c.shutdown().success());
}

#[test]
fn stale_versions_and_bad_positions_are_handled() {
    let mut c = Client::spawn(&["lsp"]);
    c.initialize(json!({}), json!({"debounceMs": 0}));
    let uri = "file:///w/a.go";
    c.open(uri, "package a\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"range": {"start": {"line": 0, "character": 9}, "end": {"line": 0, "character": 9}}, "text": "b"}]}),
    );
    // Version 2 arrives after version 3: it is stale and must be ignored.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "package zzz\n"}]}),
    );
    // Positions far outside the document are clamped to its end.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"range": {"start": {"line": 99, "character": 99}, "end": {"line": 120, "character": 0}}, "text": "// end\n"}]}),
    );
    let state = c.request("gohazard/documentState", json!({"uri": uri}));
    assert_eq!(state["version"], 4);
    assert_eq!(state["text"], "package ab\n// end\n");
    assert!(c.shutdown().success());
}

#[test]
fn garbage_input_does_not_take_the_server_down() {
    let mut c = Client::spawn(&["lsp"]);
    c.initialize(json!({}), json!({"debounceMs": "soon", "rules": 42}));
    // A body that is not JSON, then JSON that is not JSON-RPC.
    c.send_raw(b"Content-Length: 9\r\n\r\n{garbage}");
    c.send(&json!({"hello": "world"}));
    // An unknown request gets MethodNotFound; unknown notifications are ignored.
    let unknown = c.request_full("gohazard/noSuchThing", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    c.notify("$/noSuchNotification", json!({}));
    // Requests about documents that are not open.
    let actions = c.request_full(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": "file:///nope.go"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    assert!(actions.get("error").is_none(), "{actions}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nope.go", "version": 2}, "contentChanges": []}),
    );
    // Wrongly typed params are an error response, not a crash.
    let bad = c.request_full("textDocument/codeAction", json!({"textDocument": 7}));
    assert!(bad.get("error").is_some(), "{bad}");
    // Deeply nested code and invalid syntax are analysed without a crash.
    let deep = format!("package a\nfunc f() {{\n{}{}\n}}\n", "if x {\n".repeat(3000), "}\n".repeat(3000));
    c.open("file:///w/deep.go", &deep);
    c.diagnostics("file:///w/deep.go", 1);
    c.open("file:///w/broken.go", "package a\nfunc (c *gin.Context { c.Next(); c.Next(\n");
    c.diagnostics("file:///w/broken.go", 1);
    // Still alive and answering.
    c.open("file:///w/mw.go", MIDDLEWARE);
    assert_eq!(c.diagnostics("file:///w/mw.go", 1).len(), 1);
    assert!(c.shutdown().success());
}

#[test]
fn settings_disable_a_rule_without_restart() {
    let mut c = Client::spawn(&["lsp"]);
    c.initialize(json!({}), json!({"debounceMs": 0}));
    let uri = "file:///w/mw.go";
    c.open(uri, MIDDLEWARE);
    assert_eq!(c.diagnostics(uri, 1).len(), 1);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"gohazard": {"rules": {"double-next": {"enabled": false}}}}}),
    );
    assert!(c.diagnostics(uri, 1).is_empty(), "the disabled rule must be withdrawn");
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"gohazard": {"rules": {"double-next": {"severity": "hint"}}}}}),
    );
    let diags = c.diagnostics(uri, 1);
    assert_eq!(diags[0]["severity"], 4);
    assert!(c.shutdown().success());
}

#[test]
fn requests_before_initialize_are_refused_and_the_server_survives() {
    let mut c = Client::spawn(&["lsp"]);
    let early = c.request_full(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///a.go"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(early["error"]["code"], -32002, "ServerNotInitialized: {early}");
    c.initialize(json!({}), json!({"debounceMs": 0}));
    c.open("file:///w/mw.go", MIDDLEWARE);
    assert_eq!(c.diagnostics("file:///w/mw.go", 1).len(), 1);
    assert!(c.shutdown().success());
}

#[test]
fn exits_when_stdin_closes() {
    let mut c = Client::spawn(&["lsp"]);
    c.initialize(json!({}), json!({}));
    c.close_stdin();
    assert!(c.wait_exit(std::time::Duration::from_secs(10)).is_some(), "server kept running after stdin closed");
}

#[test]
fn exits_when_the_client_process_dies() {
    // A stand-in for the editor: a process that lives one second.
    let mut parent = std::process::Command::new("sleep").arg("1").spawn().unwrap();
    let mut c = Client::spawn(&["lsp"]);
    c.initialize_with(json!({"processId": parent.id(), "rootUri": null, "capabilities": {}}));
    parent.wait().unwrap();
    assert!(c.wait_exit(std::time::Duration::from_secs(10)).is_some(), "server outlived its client process");
}

/// `gohazard/status` reports what the server holds per open document; typing and undoing it
/// leaves the same amount held (the cache keeps only the current items), and closing the document
/// frees it and its declarations.
#[test]
fn status_reports_memory_per_document_and_close_frees_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/rules/unclosed-body/gin.go");
    let text = std::fs::read_to_string(root).unwrap();
    let mut c = Client::spawn(&["lsp"]);
    c.initialize(json!({}), json!({"debounceMs": 0}));
    let uri = "file:///mem/gin.go";
    c.open(uri, &text);
    assert!(!c.diagnostics(uri, 1).is_empty(), "the fixture has findings");
    let status = c.request("gohazard/status", json!({}));
    let docs = status["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    let first = docs[0].clone();
    assert_eq!(first["uri"], uri);
    assert_eq!(first["textBytes"], text.len());
    assert!(first["cacheItems"].as_u64().unwrap() > 1 && first["cacheFindings"].as_u64().unwrap() > 0);
    assert!(first["treeNodes"].as_u64().unwrap() > 0);
    let bytes = first["bytes"].as_u64().unwrap();
    assert!(bytes > text.len() as u64 && bytes < 100 * text.len() as u64, "{first}");
    assert_eq!(status["totalBytes"], first["bytes"]);
    assert!(status["indexDeclarations"].as_u64().unwrap() > 0);

    // Type a letter into every line and take it out again: the same text holds the same memory.
    let lines = text.lines().count();
    let mut version = 1;
    for line in 0..lines {
        for (range, new) in [((0, 0), "q"), ((0, 1), "")] {
            version += 1;
            let change = json!({"range": {"start": {"line": line, "character": range.0},
                "end": {"line": line, "character": range.1}}, "text": new});
            c.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
            );
            // One analysis at a time, so each one hands the cache on to the next.
            c.diagnostics(uri, version);
        }
    }
    let after = c.request("gohazard/status", json!({}));
    let doc = &after["documents"][0];
    // Full runs used to add the reused items' findings to the cache again, which grew with every
    // edit while the published findings stayed right (they are deduplicated).
    for key in ["textBytes", "cacheItems", "cacheFindings", "cacheBytes", "findings"] {
        assert_eq!(doc[key], first[key], "{key} after {version} edits that restore the text");
    }

    c.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    let closed = c.request("gohazard/status", json!({}));
    assert_eq!(closed["documents"], json!([]));
    assert_eq!(closed["totalBytes"], 0);
    assert_eq!(closed["indexDeclarations"], 0, "a closed document outside the workspace leaves the index");
    assert!(c.shutdown().success());
}
