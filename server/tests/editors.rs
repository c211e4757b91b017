//! The editor configurations under `editors/` and their copies in `docs/editors.md`: each file
//! parses, starts `gohazard lsp` for Go, sends settings the server accepts without a complaint, and
//! (for the snippets a user copies from the docs) says the same in the docs as in the file. The
//! JetBrains folder is checked against LSP4IJ's documented template shape.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid JSON: {e}"))
}

fn toml_file(rel: &str) -> toml::Table {
    toml_text(rel, &read(rel))
}

fn toml_text(what: &str, text: &str) -> toml::Table {
    toml::from_str(text).unwrap_or_else(|e| panic!("{what} is not valid TOML: {e}"))
}

fn to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap()
}

/// The settings must be an object the server reads without a problem (no unknown rule, no
/// ill-typed value).
fn assert_settings(what: &str, settings: &Value) {
    let obj = settings.as_object().unwrap_or_else(|| panic!("{what}: settings must be an object, got {settings}"));
    // The server ignores unknown keys; a misspelt one in a shipped file would silently do nothing.
    for key in obj.keys() {
        assert!(
            ["debounceMs", "maxBodyBytes", "longTimeout", "contextTypes", "filterFunctions", "rules"]
                .contains(&key.as_str()),
            "{what}: unknown setting {key:?}"
        );
    }
    if let Some(d) = obj.get("debounceMs") {
        assert!(d.as_u64().is_some(), "{what}: debounceMs must be a number of milliseconds, got {d}");
    }
    let (_, problems) = gohazard::config::Config::from_json(settings);
    assert!(problems.is_empty(), "{what}: the server would complain about these settings: {problems:?}");
}

fn assert_command(what: &str, command: &Value, args: &Value) {
    assert_eq!(command, "gohazard", "{what}: the command");
    assert_eq!(args, &serde_json::json!(["lsp"]), "{what}: the arguments");
}

/// `docs/editors.md` must carry the file's text (from its first line that is not a comment), so
/// that what a newcomer copies from the docs is what is tested here.
fn assert_in_docs(rel: &str, comment: &str) {
    let docs = read("docs/editors.md");
    let text = read(rel);
    let body: Vec<&str> = text.lines().skip_while(|l| l.starts_with(comment) || l.trim().is_empty()).collect();
    let body = body.join("\n");
    assert!(
        docs.contains(body.trim_end()),
        "docs/editors.md does not show {rel} as it is; copy the file's text (after its leading comments) into the docs:\n{body}"
    );
}

#[test]
fn jetbrains_template_has_lsp4ij_shape() {
    let dir = "editors/jetbrains/gohazard";
    let t = json(&format!("{dir}/template.json"));
    let obj = t.as_object().expect("template.json is an object");
    // LSP4IJ's template descriptor: id, name, programArgs, fileTypeMappings (plus optional keys
    // this template does not use).
    for key in obj.keys() {
        assert!(
            ["id", "name", "programArgs", "fileTypeMappings", "languageMappings", "description"]
                .contains(&key.as_str()),
            "template.json: unknown key {key:?}"
        );
    }
    assert_eq!(t["id"], "gohazard");
    assert_eq!(t["name"], "gohazard");
    let args = t["programArgs"].as_object().expect("programArgs is an object of OS to command line");
    for os in ["default", "windows"] {
        let cmd = args.get(os).and_then(Value::as_str).unwrap_or_else(|| panic!("programArgs.{os} is a string"));
        assert!(cmd.contains("gohazard") && cmd.trim_end_matches('"').ends_with(" lsp"), "programArgs.{os}: {cmd}");
    }
    for os in args.keys() {
        assert!(["default", "windows", "mac", "linux"].contains(&os.as_str()), "programArgs: unknown OS {os:?}");
    }
    let mappings = t["fileTypeMappings"].as_array().expect("fileTypeMappings is an array");
    assert_eq!(mappings.len(), 1, "one mapping, for Go");
    let m = &mappings[0];
    assert_eq!(m["fileType"]["name"], "Go");
    assert_eq!(m["fileType"]["patterns"], serde_json::json!(["*.go"]));
    assert_eq!(m["languageId"], "go");
    for key in m.as_object().unwrap().keys() {
        assert!(["fileType", "languageId"].contains(&key.as_str()), "fileTypeMappings[0]: unknown key {key:?}");
    }
    for key in m["fileType"].as_object().unwrap().keys() {
        assert!(["name", "patterns"].contains(&key.as_str()), "fileType: unknown key {key:?}");
    }

    assert_settings("initializationOptions.json", &json(&format!("{dir}/initializationOptions.json")));
    let settings = json(&format!("{dir}/settings.json"));
    assert_settings("settings.json", settings.get("gohazard").unwrap_or(&settings));
    let readme = read(&format!("{dir}/README.md"));
    assert!(readme.contains("gohazard"), "the template's README.md");
    // Only files LSP4IJ reads from a template folder.
    for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            [
                "template.json",
                "initializationOptions.json",
                "settings.json",
                "clientSettings.json",
                "installer.json",
                "settings.schema.json",
                "README.md"
            ]
            .contains(&name.as_str()),
            "{dir}/{name} is not part of an LSP4IJ template"
        );
    }
}

#[test]
fn helix_languages_toml() {
    let rel = "editors/helix/languages.toml";
    let t = toml_file(rel);
    let server = &t["language-server"]["gohazard"];
    assert_command(rel, &to_json(&server["command"]), &to_json(&server["args"]));
    assert_settings(rel, &to_json(&server["config"]));
    let go =
        t["language"].as_array().unwrap().iter().find(|l| l["name"].as_str() == Some("go")).expect("[[language]] go");
    let servers = to_json(&go["language-servers"]);
    assert_eq!(servers, serde_json::json!(["gopls", "gohazard"]), "gohazard runs next to gopls");
    assert_in_docs(rel, "#");
}

#[test]
fn kakoune_configs() {
    // kak-lsp 15 to 17.
    let rel = "editors/kakoune/kak-lsp.toml";
    let t = toml_file(rel);
    let server = &t["language_server"]["gohazard"];
    assert_eq!(to_json(&server["filetypes"]), serde_json::json!(["go"]));
    assert_command(rel, &to_json(&server["command"]), &to_json(&server["args"]));
    assert_settings(rel, &to_json(&server["settings"]["gohazard"]));
    assert_eq!(server["settings_section"].as_str(), Some("gohazard"));
    assert_in_docs(rel, "#");

    // kakoune-lsp 18+: the TOML inside `set-option buffer lsp_servers %{ … }`.
    let rel = "editors/kakoune/gohazard.kak";
    let kak = read(rel);
    let start = kak.find("lsp_servers %{").expect("an lsp_servers option") + "lsp_servers %{".len();
    let end = start + kak[start..].find("\n    }").expect("the end of the lsp_servers block");
    let t = toml_text("the lsp_servers block of gohazard.kak", &kak[start..end]);
    assert!(t.contains_key("gopls"), "{rel}: gopls keeps running");
    let server = &t["gohazard"];
    assert_command(rel, &to_json(&server["command"]), &to_json(&server["args"]));
    assert_settings(rel, &to_json(&server["settings"]["gohazard"]));
    assert!(kak.contains("source.fixAll.gohazard"));
    assert_in_docs(rel, "#");
}

#[test]
fn zed_configs() {
    let rel = "editors/zed/settings.json";
    let s = json(rel);
    let servers = &s["languages"]["Go"]["language_servers"];
    assert_eq!(servers, &serde_json::json!(["gopls", "gohazard", "..."]));
    let lsp = &s["lsp"]["gohazard"];
    assert_command(rel, &lsp["binary"]["path"], &lsp["binary"]["arguments"]);
    assert_settings(rel, &lsp["initialization_options"]);
    assert_settings(rel, &lsp["settings"]);
    assert_in_docs(rel, "//");

    let rel = "editors/zed/extension.toml";
    let e = toml_file(rel);
    assert_eq!(e["id"].as_str(), Some("gohazard"));
    assert_eq!(e["schema_version"].as_integer(), Some(1));
    assert_eq!(to_json(&e["language_servers"]["gohazard"]["languages"]), serde_json::json!(["Go"]));
    let cargo = toml_file("editors/zed/Cargo.toml");
    assert!(cargo.contains_key("workspace"), "the Zed extension must stay out of the repository's workspace");
    assert_eq!(to_json(&cargo["lib"]["crate-type"]), serde_json::json!(["cdylib"]));
    assert!(read("editors/zed/src/gohazard.rs").contains("register_extension!"));
}

#[test]
fn sublime_lsp_settings() {
    let rel = "editors/sublime/LSP.sublime-settings";
    let s = json(rel);
    let client = &s["clients"]["gohazard"];
    assert_eq!(client["enabled"], true);
    assert_eq!(client["command"], serde_json::json!(["gohazard", "lsp"]));
    assert_eq!(client["selector"], "source.go");
    assert_settings(rel, &client["initializationOptions"]);
    assert_settings(rel, &client["settings"]);
    assert!(s["lsp_code_actions_on_save"].get("source.fixAll.gohazard").is_some());
    assert_in_docs(rel, "//");
}

#[test]
fn emacs_and_vim_files_are_shown_in_the_docs() {
    assert_in_docs("editors/emacs/gohazard-eglot.el", ";");
    assert_in_docs("editors/emacs/gohazard-lsp-mode.el", ";");
    let vim = read("editors/vim/ale_linters/go/gohazard.vim");
    assert!(vim.contains("'lsp': 'stdio'") && vim.contains("'command': '%e lsp'"), "the ALE linter runs gohazard lsp");
}

#[test]
fn docs_have_a_section_per_editor() {
    let docs = read("docs/editors.md");
    for section in [
        "## Neovim",
        "## VS Code",
        "## Emacs",
        "## Vim",
        "## Helix",
        "## Zed",
        "## Kakoune",
        "## Sublime Text",
        "## JetBrains IDEs",
        "## Any other LSP client",
        "## Settings",
        "## Command line and pre-commit",
    ] {
        assert!(docs.lines().any(|l| l == section), "docs/editors.md has no {section:?} section");
    }
    // Every relative link in the page points at a file of the repository.
    let dir = repo().join("docs");
    for (i, _) in docs.match_indices("](") {
        let rest = &docs[i + 2..];
        let target = &rest[..rest.find(')').unwrap()];
        let target = target.split('#').next().unwrap();
        if target.is_empty() || target.contains("://") {
            continue;
        }
        // The VS Code engineer's screenshots are produced separately.
        if target.starts_with("images/vscode-") {
            continue;
        }
        assert!(dir.join(target).exists(), "docs/editors.md links to a missing file: {target}");
    }
}
