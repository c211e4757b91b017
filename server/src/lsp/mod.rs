//! The language server: document sync, debounced analysis, the workspace scan, diagnostics (push
//! and pull), hover and code actions.
//!
//! Architecture invariant: this module is the only one that knows LSP types. It converts positions
//! through `crate::text` and findings into protocol types in `convert`.

mod convert;
mod document;
mod frames;
mod routes;
mod workspace;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error as RpcError, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};
use tracing::{info, warn};

use crate::analysis::incremental::{analyze_source, Cache, Items};
use crate::analysis::index::{declarations, Index};
use crate::analysis::{analyze_file, parse, FileInfo, Source};
use crate::config::Config;
use crate::endpoints::Contexts;
use crate::text::{Encoding, LineCol};
use document::{Analysis, Change, Document, PendingReport};

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
    /// Reads settings in their JSON shape. Bad values are reported and replaced by defaults.
    fn from_json(value: &Value) -> (Settings, Vec<String>) {
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

/// What the client said it can do, in `initialize`.
#[derive(Clone, Copy, Debug, Default)]
struct ClientCaps {
    work_done_progress: bool,
    /// The client pulls diagnostics (`textDocument/diagnostic`); the server then does not push
    /// them for open documents, or the client would show them twice.
    pull_diagnostics: bool,
    watch_registration: bool,
    configuration: bool,
    /// The client re-requests code lenses on `workspace/codeLens/refresh`.
    code_lens_refresh: bool,
}

struct State {
    encoding: Encoding,
    caps: ClientCaps,
    /// The settings from `gohazard.toml` at the first workspace folder, and from the client; the
    /// client's go over the file's.
    file_settings: Value,
    client_settings: Value,
    settings: Settings,
    folders: Vec<PathBuf>,
}

pub struct Backend {
    client: Client,
    docs: Arc<DashMap<Uri, Document>>,
    state: Arc<RwLock<State>>,
    /// Declarations of every workspace file and open document, keyed by URI.
    index: Arc<RwLock<Index>>,
    /// Diagnostics of workspace files that are not open, from the last scan or file event.
    disk: Arc<DashMap<Uri, Vec<Diagnostic>>>,
    /// Bumped by each workspace scan; an older scan stops when it sees a newer one.
    scan_generation: Arc<AtomicU64>,
    /// Route and amplification facts per file (keyed by URI), for the endpoint code lenses, hovers
    /// and the endpoint context of diagnostics.
    facts: Arc<routes::RouteStore>,
    /// Diagnostics go to the output this way rather than through `client` (see
    /// [`Backend::send_diagnostics`]).
    direct: frames::Direct,
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

/// A JSON-RPC notification as [`Backend::send_diagnostics`] writes it.
#[derive(Serialize)]
struct Notification<'a, P> {
    jsonrpc: &'static str,
    method: &'static str,
    params: &'a P,
}

/// The result of `gohazard/status`: what the server holds per open document, so a user (or a
/// test) can see that memory stays proportional to the open documents and is given back when one
/// is closed.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Status {
    documents: Vec<DocumentMemory>,
    /// The sum of the documents' `bytes`.
    total_bytes: usize,
    /// Declarations in the workspace index (open documents and workspace files).
    index_declarations: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DocumentMemory {
    uri: String,
    version: i32,
    text_bytes: usize,
    /// Nodes of the kept syntax tree (0 when none is kept).
    tree_nodes: usize,
    /// Top-level items, findings and estimated heap bytes of the incremental cache.
    cache_items: usize,
    cache_findings: usize,
    cache_bytes: usize,
    /// Findings of the last analysis, which keeps its own copy of the text.
    findings: usize,
    /// An estimate of everything above: the text (twice while the last analysis holds a copy),
    /// the tree (at about 40 bytes a node), the cache and the findings.
    bytes: usize,
}

/// The `go` directive of the nearest `go.mod`, per directory; cleared when a `go.mod` changes.
static GO_VERSIONS: std::sync::LazyLock<crate::gomod::GoVersions> =
    std::sync::LazyLock::new(crate::gomod::GoVersions::new);

/// Facts about a document that its URI and its module tell.
pub(super) fn file_info(uri: &Uri) -> FileInfo {
    match uri.to_file_path() {
        Some(path) => FileInfo { go_version: GO_VERSIONS.for_file(&path), ..FileInfo::from_path(&path) },
        None => FileInfo { is_test: uri.as_str().ends_with("_test.go"), go_version: None },
    }
}

/// Forgets the cached `go.mod` versions (one changed on disk).
pub(super) fn forget_go_versions() {
    GO_VERSIONS.clear();
}

/// Parses and analyses one text with the workspace index, after recording the text's own
/// declarations in the index under `key`. With the document's incremental cache comes the
/// document's copy of the text, which the cache then shares.
fn analyze_text_indexed(
    text: &str,
    old_tree: Option<&tree_sitter::Tree>,
    key: &str,
    file: &FileInfo,
    index: &RwLock<Index>,
    config: &Config,
    cached: Option<(&mut Cache, &Arc<String>)>,
) -> (tree_sitter::Tree, Vec<crate::analysis::Finding>) {
    let (mut cache, shared) = cached.unzip();
    let t0 = std::time::Instant::now();
    let tree = parse(text, old_tree);
    let t1 = std::time::Instant::now();
    // One `Source` for the declarations and the analysis: making one walks every top-level item.
    let src = Source::new(text, &tree);
    // With a cache, only the declarations of changed items are extracted again, and nothing is
    // copied or written when they are what the index holds already (most keystrokes).
    // With a cache, the items and their hashes serve the declarations and the analysis; the
    // items that the edits since the cache's analysis left alone keep their hashes.
    let items = cache.as_deref().map(|c| Items::reusing(&src, c));
    let decls = match (cache.as_deref_mut(), &items) {
        (Some(cache), Some(items)) => {
            let guard = index.read();
            let current = guard.as_deref().ok().and_then(|idx| Some((idx.file(key)?, idx.generation())));
            crate::analysis::incremental::declarations_unless(&src, cache, current, items)
        }
        _ => Some(declarations(&src)),
    };
    if let Some(decls) = decls {
        if let Ok(mut idx) = index.write() {
            idx.set_file(key, decls);
        }
    }
    let t2 = std::time::Instant::now();
    let empty = Index::default();
    let guard = index.read();
    let idx = guard.as_deref().unwrap_or(&empty);
    let (findings, stats) = match cache {
        Some(cache) => analyze_source(src.with_context(file, idx), config, Some(key), cache, shared.cloned(), items),
        None => (analyze_file(text, &tree, config, file, idx), Default::default()),
    };
    let t3 = std::time::Instant::now();
    tracing::debug!(
        "analysed: parse {:?} decls {:?} rules {:?} items {} reused {}",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        stats.items,
        stats.reused
    );
    (tree, findings)
}

/// What an analysis needs of a document, taken from the store in one step: the text of one
/// version, the tree edited to match it, and the incremental cache, which the analysis owns until
/// it puts it back.
struct Snapshot {
    id: u64,
    version: i32,
    generation: u64,
    rope: ropey::Rope,
    text: Arc<String>,
    old_tree: Option<tree_sitter::Tree>,
    cache: Option<Cache>,
}

/// `id`, when given, must be the document's (see [`Document::id`]).
fn snapshot(docs: &DashMap<Uri, Document>, uri: &Uri, id: Option<u64>) -> Option<Snapshot> {
    let mut doc = docs.get_mut(uri).filter(|d| id.is_none_or(|id| d.id == id))?;
    Some(Snapshot {
        id: doc.id,
        version: doc.version,
        generation: doc.generation,
        rope: doc.rope.clone(),
        text: doc.text.clone(),
        old_tree: doc.tree.clone(),
        cache: doc.cache.take(),
    })
}

/// Parses (incrementally when possible) and analyses a snapshot. CPU work: call it on a blocking
/// thread. Returns the new tree (none for a skipped version), the cache to put back, and the result.
fn analyze_snapshot(
    snap: Snapshot,
    uri: &Uri,
    index: &RwLock<Index>,
    config: &Config,
) -> (Option<tree_sitter::Tree>, Option<Cache>, Arc<Analysis>) {
    let Snapshot { version, rope, text, old_tree, cache, .. } = snap;
    let key = uri.as_str();
    let file = file_info(uri);
    if let Some(skip) = config.skip(&text) {
        workspace::index_skipped(&text, key, skip, index);
        let findings = Arc::new(Vec::new());
        return (None, cache, Arc::new(Analysis { version, rope, text, findings, skipped: Some(skip) }));
    }
    // Two analyses of one document rarely overlap; the one without the cache runs in full.
    let mut cache = cache;
    let cached = cache.as_mut().map(|c| (c, &text));
    let (tree, findings) = analyze_text_indexed(&text, old_tree.as_ref(), key, &file, index, config, cached);
    let analysis = Analysis { version, rope, text, findings: Arc::new(findings), skipped: None };
    (Some(tree), cache, Arc::new(analysis))
}

/// Keeps the tree and the result of an analysis if the document is still at the analysed version,
/// and puts the cache back unless another analysis did first. `id` is the analysed document's: one
/// opened again under its URI since starts afresh. Returns what it replaced (the previous tree and
/// analysis), for the caller to drop once it has published: freeing a tree of a 5,000-line file
/// takes tens of microseconds, which the diagnostics need not wait for.
#[must_use]
fn store(
    docs: &DashMap<Uri, Document>,
    uri: &Uri,
    id: u64,
    tree: Option<tree_sitter::Tree>,
    cache: Option<Cache>,
    result: &Arc<Analysis>,
) -> Replaced {
    let mut replaced = Replaced::default();
    if let Some(mut doc) = docs.get_mut(uri).filter(|d| d.id == id) {
        if doc.version == result.version {
            // A skipped version leaves no tree: the next analysis parses afresh.
            replaced.tree = std::mem::replace(&mut doc.tree, tree);
            replaced.analysis = doc.last.replace(result.clone());
        }
        if doc.cache.is_none() {
            doc.cache = cache;
        }
    }
    replaced
}

/// What [`store`] took out of a document.
#[derive(Default)]
struct Replaced {
    tree: Option<tree_sitter::Tree>,
    analysis: Option<Arc<Analysis>>,
}

/// Analyses a snapshot of the document on a blocking thread, so the JSON-RPC reader never waits
/// for it, and stores the result. For requests that need the current analysis; typing goes
/// through [`Backend::run_analyses`].
async fn analyze_in_background(
    docs: Arc<DashMap<Uri, Document>>,
    index: Arc<RwLock<Index>>,
    uri: Uri,
    config: Arc<Config>,
) -> Option<Arc<Analysis>> {
    let snap = snapshot(&docs, &uri, None)?;
    let id = snap.id;
    let job = {
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || analyze_snapshot(snap, &uri, &index, &config))
    };
    let (tree, cache, result) = match job.await {
        Ok(r) => r,
        Err(e) => {
            // A panic in the analysis must not take the server down; the document keeps its old
            // diagnostics (and loses its cache, which the next analysis rebuilds).
            warn!("analysis of {} failed: {e}", uri.as_str());
            return None;
        }
    };
    drop(store(&docs, &uri, id, tree, cache, &result));
    Some(result)
}

/// In debug builds, `GOHAZARD_TEST_PUBLISH_DELAY_MS` holds the server's first publish of an
/// analysis back by that long, so that a test can make a change arrive between an analysis and its
/// publish and have the change's own analysis done first, which otherwise happens only now and
/// then on a loaded machine.
fn publish_delay_for_tests() {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if cfg!(debug_assertions) && !DONE.swap(true, std::sync::atomic::Ordering::Relaxed) {
        if let Some(ms) = std::env::var("GOHAZARD_TEST_PUBLISH_DELAY_MS").ok().and_then(|v| v.parse().ok()) {
            std::thread::sleep(Duration::from_millis(ms));
        }
    }
}

/// How long a document must stay unchanged before its endpoint facts and the workspace report are
/// brought up to date: lenses and endpoint context need not follow every keystroke, diagnostics do.
const ENDPOINT_PAUSE: Duration = Duration::from_millis(150);

impl Backend {
    fn encoding(&self) -> Encoding {
        self.state.read().map(|s| s.encoding).unwrap_or_default()
    }

    fn settings(&self) -> Settings {
        self.state.read().map(|s| s.settings.clone()).unwrap_or_default()
    }

    fn caps(&self) -> ClientCaps {
        self.state.read().map(|s| s.caps).unwrap_or_default()
    }

    fn folders(&self) -> Vec<PathBuf> {
        self.state.read().map(|s| s.folders.clone()).unwrap_or_default()
    }

    /// Schedules analysis of `uri` after the debounce delay, unless a newer change arrives first.
    /// Without a delay the analysis starts from here, on a blocking thread, rather than from a
    /// task that would start it: every hand-off between threads costs a wake-up, which on a busy
    /// machine is a large part of a keystroke's latency.
    fn schedule(&self, uri: Uri, generation: u64) {
        let debounce = self.settings().debounce;
        if debounce.is_zero() {
            self.start_analyses(uri, generation);
            return;
        }
        let this = self.clone_handles();
        tokio::spawn(async move {
            tokio::time::sleep(debounce).await;
            this.start_analyses(uri, generation);
        });
    }

    /// Starts [`Backend::run_analyses`] for `uri` if `generation` is still the document's newest
    /// and not analysed yet, and no run of the document is under way (that run analyses the
    /// newest version before it ends).
    fn start_analyses(&self, uri: Uri, generation: u64) {
        let id = {
            let Some(mut doc) = self.docs.get_mut(&uri) else { return };
            if doc.generation != generation || doc.analysed == generation || doc.running {
                return;
            }
            doc.running = true;
            doc.id
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Every caller runs on the runtime; should one not, the next change tries again.
            if let Some(mut doc) = self.docs.get_mut(&uri) {
                doc.running = false;
            }
            return;
        };
        let this = self.clone_handles();
        tokio::task::spawn_blocking(move || this.run_analyses(&runtime, &uri, id));
    }

    /// Analyses the document, publishes its diagnostics and schedules its endpoint facts, then
    /// does it again while the document changed meanwhile; on a blocking thread. One run per
    /// document at a time, so each analysis gets the incremental cache the previous one left
    /// (two at once would run one of them in full) and versions that a newer one replaced while
    /// an analysis ran are never analysed: only the newest one is.
    fn run_analyses(&self, runtime: &tokio::runtime::Handle, uri: &Uri, id: u64) {
        loop {
            let Some(snap) = snapshot(&self.docs, uri, Some(id)) else { return };
            let generation = snap.generation;
            let settings = self.settings();
            let analysed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                analyze_snapshot(snap, uri, &self.index, &settings.config)
            }));
            let mut replaced = Replaced::default();
            let result = match analysed {
                Ok((tree, cache, result)) => {
                    replaced = store(&self.docs, uri, id, tree, cache, &result);
                    Some(result)
                }
                Err(_) => {
                    // A panic in the analysis must not take the server down; the document keeps
                    // its old diagnostics (and loses its cache, which the next analysis rebuilds).
                    warn!("analysis of {} failed", uri.as_str());
                    None
                }
            };
            let newer = {
                // A document closed, or closed and opened again, ends the run: the new one has
                // its own.
                let Some(mut doc) = self.docs.get_mut(uri).filter(|d| d.id == id) else { return };
                doc.analysed = doc.analysed.max(generation);
                doc.generation != generation
            };
            if let Some(result) = result.filter(|_| !newer) {
                publish_delay_for_tests();
                self.publish(runtime, uri, id, result);
            }
            drop(replaced);
            // The run ends here unless the document changed since the snapshot. That is decided
            // under the document's lock and after the publish: a change either sees the run still
            // going (and leaves the next analysis to it) or sees it ended (and starts one). Were
            // the run marked ended before its publish, a change's new run could publish first and
            // this one's older diagnostics and endpoint report would overtake them.
            let again = {
                let Some(mut doc) = self.docs.get_mut(uri).filter(|d| d.id == id) else { return };
                let again = doc.generation != generation;
                doc.running = again;
                again
            };
            if !again {
                return;
            }
        }
    }

    /// Sends the diagnostics of an analysis of the current version at once, with the endpoint
    /// context last sent; the report, which costs more than a keystroke's analysis, follows after
    /// a pause in typing and sends the diagnostics again if their context changed.
    fn publish(&self, runtime: &tokio::runtime::Handle, uri: &Uri, id: u64, result: Arc<Analysis>) {
        let enc = self.encoding();
        let push = !self.caps().pull_diagnostics;
        let sent = self.facts.published();
        let diagnostics = push.then(|| {
            let last = self.docs.get_mut(uri).filter(|d| d.id == id).and_then(|mut d| d.positions.take());
            let (diagnostics, positions) = convert::diagnostics_reusing(uri, &result, enc, last.as_ref());
            if let Some(mut doc) = self.docs.get_mut(uri).filter(|d| d.id == id) {
                doc.positions = Some(positions);
            }
            routes::with_context(uri.as_str(), diagnostics, &sent)
        });
        // A blocking thread may wait for a future; the client's queue is the only thing it waits
        // for, and the protocol loop goes on meanwhile.
        runtime.block_on(async {
            if let Some(skip) = result.skipped {
                workspace::tell_skipped(&self.client, uri, skip, true).await;
            }
            if let Some(diagnostics) = diagnostics {
                self.send_diagnostics(uri.clone(), diagnostics, Some(result.version)).await;
            }
        });
        self.endpoint_report_after_pause(runtime, uri, id, result, sent);
    }

    /// Brings the endpoint facts up to `result` once the document has not been published for
    /// [`ENDPOINT_PAUSE`]. One timer task per document waits for that, and each publish only moves
    /// its deadline: a task per keystroke cost a spawn and a wake-up of a runtime thread, which
    /// competes with the keystroke's own analysis on a busy machine.
    fn endpoint_report_after_pause(
        &self,
        runtime: &tokio::runtime::Handle,
        uri: &Uri,
        id: u64,
        result: Arc<Analysis>,
        sent: Arc<Contexts>,
    ) {
        let pending = PendingReport { analysis: result, sent, due: std::time::Instant::now() + ENDPOINT_PAUSE };
        let start = {
            let Some(mut doc) = self.docs.get_mut(uri).filter(|d| d.id == id) else { return };
            doc.endpoint = Some(pending);
            !std::mem::replace(&mut doc.endpoint_timer, true)
        };
        if start {
            let this = self.clone_handles();
            let uri = uri.clone();
            runtime.spawn(async move { this.endpoint_timer(uri, id).await });
        }
    }

    /// The timer of [`Backend::endpoint_report_after_pause`]: sleeps until the document's pending
    /// report is due, then makes it, unless the document moved on since its last publish (the
    /// next publish sets a new deadline) or was closed.
    async fn endpoint_timer(&self, uri: Uri, id: u64) {
        let pending = loop {
            let due = {
                let Some(mut doc) = self.docs.get_mut(&uri).filter(|d| d.id == id) else { return };
                match doc.endpoint.as_ref().map(|p| p.due) {
                    Some(due) if due > std::time::Instant::now() => due,
                    _ => {
                        // Due, or nothing pending: the timer ends here, under the document's
                        // lock, so a publish from now on starts another.
                        doc.endpoint_timer = false;
                        break doc.endpoint.take();
                    }
                }
            };
            tokio::time::sleep_until(due.into()).await;
        };
        let Some(PendingReport { analysis: result, sent, .. }) = pending else { return };
        let docs = &self.docs;
        if docs.get(&uri).is_none_or(|d| d.version != result.version) {
            return;
        }
        let push = !self.caps().pull_diagnostics;
        let enc = self.encoding();
        let built = self.endpoint_report(&uri, &result).await;
        let current = docs.get(&uri).is_some_and(|d| d.version == result.version);
        if push && current && sent.changed_files(&built.contexts).iter().any(|f| f == uri.as_str()) {
            let diagnostics =
                routes::with_context(uri.as_str(), convert::diagnostics(&uri, &result, enc), &built.contexts);
            self.send_diagnostics(uri.clone(), diagnostics, Some(result.version)).await;
        }
        self.after_context_change(&built, Some(&uri)).await;
    }

    /// Sends `textDocument/publishDiagnostics` straight to the output, serialized from the
    /// diagnostics as they are: the client's `publish_diagnostics` converts them to a JSON value
    /// first and hands that to the protocol loop's thread, which serializes it there (about a
    /// tenth of a millisecond and a wake-up per keystroke). Every diagnostics notification of the
    /// server goes this way, so those of one document keep the order they were sent in.
    async fn send_diagnostics(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        let message = Notification { jsonrpc: "2.0", method: "textDocument/publishDiagnostics", params: &params };
        match serde_json::to_vec(&message) {
            Ok(body) => {
                self.direct.send(&body).await;
            }
            Err(e) => warn!("cannot serialize diagnostics of {}: {e}", params.uri.as_str()),
        }
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
        analyze_in_background(self.docs.clone(), self.index.clone(), uri.clone(), self.settings().config).await
    }

    /// Brings the document's endpoint facts up to `analysis` (unless they already are) and returns
    /// the report over the workspace.
    async fn endpoint_report(&self, uri: &Uri, analysis: &Arc<Analysis>) -> routes::Built {
        let store = self.facts.clone();
        let index = self.index.clone();
        let key = uri.as_str().to_string();
        let file = file_info(uri);
        let analysis = analysis.clone();
        // The document's tree, when it is the analysed version's, saves a parse.
        let tree = self.docs.get(uri).filter(|d| d.version == analysis.version).and_then(|d| d.tree.clone());
        tokio::task::spawn_blocking(move || {
            if !store.is_current(&key, &analysis.text, &analysis.findings) {
                let tree = tree.unwrap_or_else(|| parse(&analysis.text, None));
                let empty = Index::default();
                let guard = index.read();
                let src = Source::new(&analysis.text, &tree).with_context(&file, guard.as_deref().unwrap_or(&empty));
                let facts = crate::endpoints::file_facts(&key, &src, &analysis.findings);
                drop(guard);
                store.insert_document(key, facts, analysis.text.clone(), analysis.findings.clone());
            }
            store.built()
        })
        .await
        .unwrap_or_default()
    }

    /// The report over the workspace's current facts.
    async fn workspace_report(&self) -> routes::Built {
        let store = self.facts.clone();
        tokio::task::spawn_blocking(move || store.built()).await.unwrap_or_default()
    }

    /// After facts changed: when the endpoint context of some file's diagnostics changed (a route
    /// was registered, a middleware fixed), sends those diagnostics again, or asks a client that
    /// pulls them to pull again. `except` was just published with the new context.
    async fn after_context_change(&self, built: &routes::Built, except: Option<&Uri>) {
        // The endpoint lenses of every open file show the report: when it changed, a client that
        // can re-requests them, else the lenses of the files not being edited stay as they were
        // until the client asks again on its own. Spawned, so that a client slow to answer holds
        // up nothing.
        if self.caps().code_lens_refresh && self.facts.lenses_changed(&built.summaries) {
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.code_lens_refresh().await;
            });
        }
        let changed = self.facts.publish(&built.contexts, except.map(|u| u.as_str()));
        if changed.is_empty() {
            return;
        }
        if self.caps().pull_diagnostics {
            let _ = self.client.workspace_diagnostic_refresh().await;
            return;
        }
        let enc = self.encoding();
        let changed: std::collections::HashSet<String> = changed.into_iter().collect();
        let disk: Vec<(Uri, Vec<Diagnostic>)> = self
            .disk
            .iter()
            .filter(|e| changed.contains(e.key().as_str()) && !self.docs.contains_key(e.key()))
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect();
        for (uri, diags) in disk {
            let diags = routes::with_context(uri.as_str(), diags, &built.contexts);
            self.send_diagnostics(uri, diags, None).await;
        }
        // Open documents whose facts come from their current analysis; the others are being
        // analysed and will be published with the new context.
        let open: Vec<(Uri, Arc<Analysis>)> = self
            .docs
            .iter()
            .filter(|d| changed.contains(d.key().as_str()))
            .filter_map(|d| {
                let last = d.last.clone().filter(|l| l.version == d.version)?;
                self.facts.is_current(d.key().as_str(), &last.text, &last.findings).then(|| (d.key().clone(), last))
            })
            .collect();
        for (uri, a) in open {
            let diags = routes::with_context(uri.as_str(), convert::diagnostics(&uri, &a, enc), &built.contexts);
            self.send_diagnostics(uri, diags, Some(a.version)).await;
        }
    }

    fn reanalyze_open_documents(&self) {
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

    async fn status(&self, _params: Value) -> Result<Status> {
        let mut status = Status::default();
        for d in self.docs.iter() {
            let cache = d.cache.as_ref().map(|c| c.size()).unwrap_or_default();
            let tree_nodes = d.tree.as_ref().map_or(0, |t| t.root_node().descendant_count());
            let (findings, copy) =
                d.last.as_ref().map_or((0, 0), |l| (l.findings.len(), l.text.len() + l.findings.len() * 160));
            let text_bytes = d.rope.len_bytes();
            let bytes = text_bytes + copy + tree_nodes * 40 + cache.bytes;
            status.total_bytes += bytes;
            status.documents.push(DocumentMemory {
                uri: d.key().as_str().to_string(),
                version: d.version,
                text_bytes,
                tree_nodes,
                cache_items: cache.items,
                cache_findings: cache.findings,
                cache_bytes: cache.bytes,
                findings,
                bytes,
            });
        }
        status.documents.sort_by(|a, b| a.uri.cmp(&b.uri));
        status.index_declarations = self.index.read().map(|i| i.len()).unwrap_or(0);
        Ok(status)
    }

    async fn document_state(&self, params: DocumentStateParams) -> Result<DocumentState> {
        let doc = self.docs.get(&params.uri).ok_or_else(|| RpcError::invalid_params("document is not open"))?;
        Ok(DocumentState { version: doc.version, text: doc.text.to_string() })
    }

    /// Recomputes the effective settings from the file's and the client's. Returns the problems.
    fn refresh_settings(&self) -> Vec<String> {
        let Ok(mut state) = self.state.write() else { return Vec::new() };
        let mut merged = state.file_settings.clone();
        crate::config::merge(&mut merged, &state.client_settings);
        let (settings, problems) = Settings::from_json(&merged);
        state.settings = settings;
        problems
    }

    async fn report_problems(&self, origin: &str, problems: &[String]) {
        if problems.is_empty() {
            return;
        }
        for p in problems {
            warn!("{origin}: {p}");
        }
        self.client.show_message(MessageType::WARNING, format!("gohazard {origin}: {}", problems.join("; "))).await;
    }

    /// Re-reads `gohazard.toml` from the first workspace folder. A broken file is reported and the
    /// previous settings stay.
    async fn reload_config_file(&self) {
        let Some(root) = self.folders().into_iter().next() else { return };
        let path = root.join(crate::config::CONFIG_FILE);
        let value = if path.is_file() {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    self.report_problems("config", &[format!("{}: {e}", path.display())]).await;
                    return;
                }
            };
            match crate::config::toml_settings(&text) {
                Ok(v) => v,
                Err(e) => {
                    self.client
                        .show_message(
                            MessageType::ERROR,
                            format!("gohazard: {} is broken, keeping the previous settings: {e}", path.display()),
                        )
                        .await;
                    return;
                }
            }
        } else {
            Value::Null
        };
        if let Ok(mut state) = self.state.write() {
            state.file_settings = value;
        }
        let problems = self.refresh_settings();
        self.report_problems(&path.display().to_string(), &problems).await;
    }
}

fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|list| list.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

fn client_caps(params: &InitializeParams) -> ClientCaps {
    let c = &params.capabilities;
    ClientCaps {
        work_done_progress: c.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false),
        pull_diagnostics: c.text_document.as_ref().and_then(|t| t.diagnostic.as_ref()).is_some(),
        watch_registration: c
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        configuration: c.workspace.as_ref().and_then(|w| w.configuration).unwrap_or(false),
        code_lens_refresh: c
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|l| l.refresh_support)
            .unwrap_or(false),
    }
}

#[allow(deprecated)] // `root_uri` is the only root some clients send.
fn workspace_folders(params: &InitializeParams) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
        .collect();
    if out.is_empty() {
        if let Some(p) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
            out.push(p.into_owned());
        }
    }
    out
}

/// Settings sent by the client, bare or under a `gohazard` key (the shape VS Code sends).
fn client_section(value: &Value) -> Value {
    value.get("gohazard").unwrap_or(value).clone()
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = negotiate_encoding(&params);
        let caps = client_caps(&params);
        if let Some(pid) = params.process_id {
            watch_parent(pid);
        }
        if let Ok(mut state) = self.state.write() {
            state.encoding = encoding;
            state.caps = caps;
            state.folders = workspace_folders(&params);
            state.client_settings = params.initialization_options.as_ref().map(client_section).unwrap_or(Value::Null);
        }
        let problems = self.refresh_settings();
        for p in problems {
            warn!("initializationOptions: {p}");
        }
        info!("initialized with {encoding:?} positions, {caps:?}");
        let fix_all = CodeActionKind::new(convert::FIX_ALL_KIND);
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
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::SOURCE_FIX_ALL, fix_all]),
                    ..Default::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
                diagnostic_provider: Some(DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("gohazard".into()),
                    inter_file_dependencies: true,
                    workspace_diagnostics: true,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo { name: "gohazard".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.reload_config_file().await;
        if self.caps().watch_registration {
            let watchers = ["**/*.go", "**/gohazard.toml", "**/go.mod"]
                .iter()
                .map(|g| FileSystemWatcher { glob_pattern: GlobPattern::String((*g).to_string()), kind: None })
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "gohazard-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = self.client.register_capability(vec![registration]).await {
                warn!("could not register file watchers: {e}");
            }
        }
        self.start_scan();
    }

    async fn shutdown(&self) -> Result<()> {
        // Stop any scan still running.
        self.scan_generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let mut document = Document::new(doc.version, &doc.text);
        document.generation = 1;
        self.docs.insert(doc.uri.clone(), document);
        // The open buffer wins over the disk copy.
        self.disk.remove(&doc.uri);
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
        // A workspace file falls back to its disk copy; anything else is forgotten.
        self.refresh_disk_file(&uri).await;
        let built = self.workspace_report().await;
        self.after_context_change(&built, None).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let mut value = client_section(&params.settings);
        if value.is_null() && self.caps().configuration {
            // The client only signals a change; ask for the section.
            let item = ConfigurationItem { scope_uri: None, section: Some("gohazard".into()) };
            if let Ok(mut values) = self.client.configuration(vec![item]).await {
                value = values.pop().unwrap_or(Value::Null);
            }
        }
        if let Ok(mut state) = self.state.write() {
            state.client_settings = value;
        }
        let problems = self.refresh_settings();
        self.report_problems("settings", &problems).await;
        self.reanalyze_open_documents();
        self.start_scan();
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let removed: Vec<PathBuf> =
            params.event.removed.iter().filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned())).collect();
        if let Ok(mut state) = self.state.write() {
            state.folders.retain(|f| !removed.contains(f));
            for f in &params.event.added {
                if let Some(p) = f.uri.to_file_path() {
                    state.folders.push(p.into_owned());
                }
            }
        }
        self.forget_outside_folders().await;
        self.start_scan();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.on_watched_files(params.changes).await;
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let uri = params.text_document.uri;
        let Some(analysis) = self.current_analysis(&uri).await else { return Ok(None) };
        // This document's facts come from its current text; the others' from the scan.
        let built = self.endpoint_report(&uri, &analysis).await;
        Ok(Some(convert::endpoint_lenses(uri.as_str(), &analysis, &built.summaries, self.encoding())))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let pos = params.text_document_position_params;
        let uri = pos.text_document.uri;
        let Some(analysis) = self.current_analysis(&uri).await else { return Ok(None) };
        let enc = self.encoding();
        let findings = convert::hover(&analysis, pos.position, enc);
        let built = self.endpoint_report(&uri, &analysis).await;
        let folders = self.folders();
        let endpoint = convert::endpoint_hover(uri.as_str(), &analysis, &built.summaries, pos.position, enc, &folders);
        Ok(convert::merge_hovers(endpoint, findings))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(analysis) = self.current_analysis(&uri).await else { return Ok(None) };
        let wants = |kind: &str| {
            params.context.only.as_ref().is_none_or(|only| {
                only.iter().any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str())))
            })
        };
        let enc = self.encoding();
        let mut actions = Vec::new();
        if wants("quickfix") {
            actions.extend(convert::quick_fixes(&uri, &analysis, params.range, enc));
        }
        // A skipped document (too big, generated) is not fixed either.
        if wants(convert::FIX_ALL_KIND) && analysis.skipped.is_none() {
            let config = self.settings().config;
            let text = analysis.text.clone();
            let file = file_info(&uri);
            let index = self.index.clone();
            let fixed = tokio::task::spawn_blocking(move || {
                let idx = index.read().map(|i| i.clone()).unwrap_or_default();
                crate::analysis::fix::fix_all_with(&text, &config, &file, &idx, None, 50)
            })
            .await;
            if let Ok((fixed, applied)) = fixed {
                if applied > 0 {
                    actions.push(convert::fix_all_action(&uri, &analysis, &fixed, applied, enc));
                }
            }
        }
        Ok(Some(actions))
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let enc = self.encoding();
        let items = if self.docs.contains_key(&uri) {
            let Some(analysis) = self.current_analysis(&uri).await else {
                return Err(RpcError::content_modified());
            };
            let built = self.endpoint_report(&uri, &analysis).await;
            self.after_context_change(&built, Some(&uri)).await;
            // The endpoint context is part of the messages: a report is unchanged only if both are.
            let result_id = format!("{}.{}", analysis.version, self.facts.context_generation());
            if self.docs.get(&uri).is_none_or(|d| d.version != analysis.version) {
                // The document moved on while this was computed; the client will ask again.
                return Err(RpcError::content_modified());
            }
            if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
                return Ok(convert::unchanged_report(result_id));
            }
            let diags = routes::with_context(uri.as_str(), convert::diagnostics(&uri, &analysis, enc), &built.contexts);
            return Ok(convert::full_report(Some(result_id), diags));
        } else if let Some(d) = self.disk.get(&uri) {
            d.clone()
        } else {
            self.analyze_disk_file(&uri).await.unwrap_or_default()
        };
        let built = self.workspace_report().await;
        Ok(convert::full_report(None, routes::with_context(uri.as_str(), items, &built.contexts)))
    }

    async fn workspace_diagnostic(
        &self,
        _params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        let enc = self.encoding();
        let built = self.workspace_report().await;
        let mut items: Vec<WorkspaceDocumentDiagnosticReport> = self
            .disk
            .iter()
            .map(|e| {
                let diags = routes::with_context(e.key().as_str(), e.value().clone(), &built.contexts);
                convert::workspace_item(e.key().clone(), None, diags)
            })
            .collect();
        let open: Vec<Uri> = self.docs.iter().map(|d| d.key().clone()).collect();
        for uri in open {
            if let Some(a) = self.current_analysis(&uri).await {
                let built = self.endpoint_report(&uri, &a).await;
                let diags = routes::with_context(uri.as_str(), convert::diagnostics(&uri, &a, enc), &built.contexts);
                items.push(convert::workspace_item(uri, Some(a.version as i64), diags));
            }
        }
        Ok(WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport { items }))
    }
}

/// Exits the server when the client's process is gone, as the protocol asks: an editor that crashed
/// must not leave servers behind. Only where `/proc` tells (Linux); elsewhere stdin closing does it.
fn watch_parent(pid: u32) {
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    if !std::path::Path::new("/proc/self").exists() || !proc_dir.exists() {
        return;
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if !proc_dir.exists() || is_zombie(&proc_dir) {
                warn!("the client process {pid} is gone; exiting");
                std::process::exit(1);
            }
        }
    });
}

/// A parent that exited but was not reaped yet still has a `/proc` entry, in state Z.
fn is_zombie(proc_dir: &std::path::Path) -> bool {
    std::fs::read_to_string(proc_dir.join("stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
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
    let written = runtime.block_on(async {
        // Messages pass through a filter that drops malformed frames (see `frames`).
        let (output, written) = frames::stdout();
        let direct = output.direct();
        let (service, socket) = LspService::build(|client| Backend {
            client,
            docs: Arc::new(DashMap::new()),
            state: Arc::new(RwLock::new(State {
                encoding: Encoding::Utf16,
                caps: ClientCaps::default(),
                file_settings: Value::Null,
                client_settings: Value::Null,
                settings: Settings::default(),
                folders: Vec::new(),
            })),
            index: Arc::new(RwLock::new(Index::default())),
            disk: Arc::new(DashMap::new()),
            scan_generation: Arc::new(AtomicU64::new(0)),
            facts: Arc::new(routes::RouteStore::default()),
            direct: direct.clone(),
        })
        .custom_method("gohazard/documentState", Backend::document_state)
        .custom_method("gohazard/status", Backend::status)
        .finish();
        Server::new(frames::stdin(), output, socket).serve(service).await;
        // Tasks and threads that still hold the server's handles send nothing more.
        direct.close();
        written
    });
    // The server's writer is gone; let its thread write what it was handed (the answer to
    // `shutdown` may be among it), unless the client stopped reading.
    written.wait(Duration::from_secs(2));
    // Blocking threads may still be at work (an analysis, a scan); waiting for them would delay the
    // exit. The thread that reads stdin keeps nothing alive either.
    runtime.shutdown_background();
    std::process::ExitCode::SUCCESS
}
