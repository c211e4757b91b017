//! The language server: document sync, debounced analysis, diagnostics and quick fixes.
//!
//! Architecture invariant: this module is the only one that knows LSP types. It converts positions
//! through `crate::text` and findings into diagnostics in `convert`.

mod convert;
mod document;
mod frames;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error as RpcError, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};
use tracing::{info, warn};

use crate::analysis::{analyze, parse};
use crate::config::Config;
use crate::text::{Encoding, LineCol};
use document::{Analysis, Change, Document};

/// Settings the client can send in `initializationOptions` or `workspace/didChangeConfiguration`.
#[derive(Clone, Debug)]
struct Settings {
    config: Arc<Config>,
    /// How long to wait after the last change before analysing; 0 analyses at once.
    debounce: Duration,
}

const DEFAULT_DEBOUNCE_MS: u64 = 150;

impl Default for Settings {
    fn default() -> Self {
        Settings { config: Arc::new(Config::default()), debounce: Duration::from_millis(DEFAULT_DEBOUNCE_MS) }
    }
}

impl Settings {
    /// Reads settings, accepting either the settings object itself or one nested under `gohazard`
    /// (the shape VS Code sends). Bad values are reported and replaced by defaults.
    fn from_json(value: &Value) -> (Settings, Vec<String>) {
        let value = value.get("gohazard").unwrap_or(value);
        let (config, mut problems) = Config::from_json(value);
        let mut debounce = Duration::from_millis(DEFAULT_DEBOUNCE_MS);
        if let Some(v) = value.get("debounceMs") {
            match v.as_u64() {
                Some(ms) => debounce = Duration::from_millis(ms.min(10_000)),
                None => problems.push(format!("debounceMs must be a non-negative integer, got {v}")),
            }
        }
        (Settings { config: Arc::new(config), debounce }, problems)
    }
}

struct State {
    encoding: Encoding,
    settings: Settings,
}

pub struct Backend {
    client: Client,
    docs: Arc<DashMap<Uri, Document>>,
    state: Arc<RwLock<State>>,
}

/// Parameters and result of `gohazard/documentState`, which tells what the server holds for a
/// document. Editor plugins use it for diagnostics and the tests use it to prove edits were
/// applied in order.
#[derive(Deserialize)]
struct DocumentStateParams {
    uri: Uri,
}

#[derive(Serialize)]
struct DocumentState {
    version: i32,
    text: String,
}

impl Backend {
    fn encoding(&self) -> Encoding {
        self.state.read().map(|s| s.encoding).unwrap_or_default()
    }

    fn settings(&self) -> Settings {
        self.state.read().map(|s| s.settings.clone()).unwrap_or_default()
    }

    /// Schedules analysis of `uri` after the debounce delay, unless a newer change arrives first.
    fn schedule(&self, uri: Uri, generation: u64) {
        let docs = self.docs.clone();
        let client = self.client.clone();
        let settings = self.settings();
        let enc = self.encoding();
        tokio::spawn(async move {
            if !settings.debounce.is_zero() {
                tokio::time::sleep(settings.debounce).await;
            }
            if docs.get(&uri).is_none_or(|d| d.generation != generation) {
                return;
            }
            let Some(result) = analyze_in_background(docs.clone(), uri.clone(), settings.config.clone()).await else {
                return;
            };
            // Publish only if nothing changed meanwhile; the newer change has its own analysis.
            if docs.get(&uri).is_none_or(|d| d.version != result.version) {
                return;
            }
            let diagnostics = convert::diagnostics(&uri, &result, enc);
            client.publish_diagnostics(uri, diagnostics, Some(result.version)).await;
        });
    }

    /// The analysis of the current version, reusing the last one when it is current.
    async fn current_analysis(&self, uri: &Uri) -> Option<Arc<Analysis>> {
        {
            let doc = self.docs.get(uri)?;
            if let Some(last) = &doc.last {
                if last.version == doc.version {
                    return Some(last.clone());
                }
            }
        }
        analyze_in_background(self.docs.clone(), uri.clone(), self.settings().config).await
    }

    fn reanalyze_all(&self) {
        let open: Vec<(Uri, u64)> = self
            .docs
            .iter_mut()
            .map(|mut d| {
                d.generation += 1;
                d.last = None;
                (d.key().clone(), d.generation)
            })
            .collect();
        for (uri, generation) in open {
            self.schedule(uri, generation);
        }
    }

    async fn document_state(&self, params: DocumentStateParams) -> Result<DocumentState> {
        let doc = self.docs.get(&params.uri).ok_or_else(|| RpcError::invalid_params("document is not open"))?;
        Ok(DocumentState { version: doc.version, text: doc.rope.to_string() })
    }

    fn apply_settings(&self, value: &Value) -> Vec<String> {
        let (settings, problems) = Settings::from_json(value);
        if let Ok(mut state) = self.state.write() {
            state.settings = settings;
        }
        problems
    }
}

/// Parses (incrementally when possible) and analyses a snapshot of the document on a blocking
/// thread, so the JSON-RPC reader never waits for it. Stores the tree and the result if the
/// document has not changed meanwhile.
async fn analyze_in_background(
    docs: Arc<DashMap<Uri, Document>>,
    uri: Uri,
    config: Arc<Config>,
) -> Option<Arc<Analysis>> {
    let (version, rope, old_tree) = {
        let doc = docs.get(&uri)?;
        (doc.version, doc.rope.clone(), doc.tree.clone())
    };
    let job = tokio::task::spawn_blocking(move || {
        let text = rope.to_string();
        let tree = parse(&text, old_tree.as_ref());
        let findings = analyze(&text, &tree, &config);
        (tree, Arc::new(Analysis { version, rope, findings: Arc::new(findings) }))
    });
    let (tree, result) = match job.await {
        Ok(r) => r,
        Err(e) => {
            // A panic in a rule must not take the server down; the document keeps its old diagnostics.
            warn!("analysis of {} failed: {e}", uri.as_str());
            return None;
        }
    };
    if let Some(mut doc) = docs.get_mut(&uri) {
        if doc.version == version {
            doc.tree = Some(tree);
            doc.last = Some(result.clone());
        }
    }
    Some(result)
}

fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|list| list.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = negotiate_encoding(&params);
        if let Ok(mut state) = self.state.write() {
            state.encoding = encoding;
        }
        if let Some(opts) = &params.initialization_options {
            for p in self.apply_settings(opts) {
                warn!("initializationOptions: {p}");
            }
        }
        info!("initialized with {encoding:?} positions");
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(match encoding {
                    Encoding::Utf8 => PositionEncodingKind::UTF8,
                    _ => PositionEncodingKind::UTF16,
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..Default::default()
                })),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                    ..Default::default()
                })),
                ..Default::default()
            },
            server_info: Some(ServerInfo { name: "gohazard".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {}

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let mut document = Document::new(doc.version, &doc.text);
        document.generation = 1;
        self.docs.insert(doc.uri.clone(), document);
        self.schedule(doc.uri, 1);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Everything up to `schedule` is synchronous: see the invariant in `document.rs`.
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let enc = self.encoding();
        let generation = {
            let Some(mut doc) = self.docs.get_mut(&uri) else {
                warn!("didChange for {} which is not open; ignored", uri.as_str());
                return;
            };
            if version <= doc.version {
                warn!("stale didChange for {} (version {version} <= {}); ignored", uri.as_str(), doc.version);
                return;
            }
            let changes = params
                .content_changes
                .into_iter()
                .map(|c| Change {
                    range: c.range.map(|r| {
                        (
                            LineCol { line: r.start.line as usize, col: r.start.character as usize },
                            LineCol { line: r.end.line as usize, col: r.end.character as usize },
                        )
                    }),
                    text: c.text,
                })
                .collect();
            doc.apply(version, changes, enc);
            doc.generation
        };
        self.schedule(uri, generation);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.docs.remove(&uri);
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let problems = self.apply_settings(&params.settings);
        for p in &problems {
            warn!("settings: {p}");
        }
        if !problems.is_empty() {
            self.client.show_message(MessageType::WARNING, format!("gohazard settings: {}", problems.join("; "))).await;
        }
        self.reanalyze_all();
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        if let Some(only) = &params.context.only {
            if !only.iter().any(|k| k.as_str() == "quickfix" || k.as_str().is_empty()) {
                return Ok(None);
            }
        }
        let uri = params.text_document.uri;
        let Some(analysis) = self.current_analysis(&uri).await else { return Ok(None) };
        let actions = convert::code_actions(&uri, &analysis, params.range, self.encoding());
        Ok(Some(actions))
    }
}

/// Runs the language server on stdin/stdout until the client exits.
pub fn run() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let (service, socket) = LspService::build(|client| Backend {
            client,
            docs: Arc::new(DashMap::new()),
            state: Arc::new(RwLock::new(State { encoding: Encoding::Utf16, settings: Settings::default() })),
        })
        .custom_method("gohazard/documentState", Backend::document_state)
        .finish();
        // Messages pass through a filter that drops malformed frames (see `frames`).
        let (filtered, input) = tokio::io::duplex(1 << 16);
        let guard = tokio::spawn(frames::filter(tokio::io::stdin(), filtered));
        Server::new(input, tokio::io::stdout(), socket).serve(service).await;
        guard.abort();
    });
    // Tokio reads stdin on a blocking thread that cannot be interrupted; waiting for it would keep
    // the process alive after `exit` until the client closes the pipe.
    runtime.shutdown_background();
    std::process::ExitCode::SUCCESS
}
