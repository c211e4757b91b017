//! The workspace: a background scan of every Go file in the workspace folders, diagnostics for
//! files that are not open, and reactions to files changed on disk.
//!
//! The scan uses the same walker as `gohazard check` (`crate::walk`). It runs in two passes: the
//! first records every file's declarations in the index, the second analyses each file with the
//! complete index, converts its findings to diagnostics and drops the text, so memory holds only
//! the diagnostics. An open buffer always wins over its disk copy.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use rayon::prelude::*;
use ropey::Rope;
use tower_lsp_server::ls_types::*;
use tracing::{info, warn};

use super::document::Analysis;
use super::{analyze_text_indexed, convert, Backend};
use crate::analysis::index::declarations;
use std::sync::{Mutex, RwLock};
use tower_lsp_server::Client;

use crate::analysis::index::Index;
use crate::analysis::{parse, Source};
use crate::config::{Config, Skip};
use crate::text::Encoding;
use crate::{endpoints, walk};

/// Files analysed between two progress reports.
const CHUNK: usize = 64;

fn uri_of(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// Reads a Go file from disk. `Err(Some(_))` for a file over the size limit, which is not read at
/// all; `Err(None)` for one that cannot be read or is not UTF-8 (logged).
fn read_text(path: &Path, config: &Config) -> Result<String, Option<Skip>> {
    let size = std::fs::metadata(path).map(|m| m.len()).map_err(|_| None)?;
    if let Some(skip) = config.skip_size(size) {
        return Err(Some(skip));
    }
    let bytes = std::fs::read(path).map_err(|_| None)?;
    match String::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(_) => {
            warn!("{}: not valid UTF-8, skipped", path.display());
            Err(None)
        }
    }
}

/// Keeps the index right for a text that is not analysed: generated code still declares functions
/// that other files call (sqlc's queries, gRPC clients), so its declarations stay; a file over the
/// size limit is not even parsed, so it has none.
pub(super) fn index_skipped(text: &str, key: &str, skip: Skip, index: &RwLock<Index>) {
    let decls = match skip {
        Skip::Generated => declarations(&Source::new(text, &parse(text, None))),
        Skip::TooLarge { .. } => Vec::new(),
    };
    if let Ok(mut idx) = index.write() {
        if decls.is_empty() {
            idx.remove_file(key);
        } else {
            idx.set_file(key, decls);
        }
    }
}

/// The documents already told about, with whether they were open: each is told once per session.
static TOLD: std::sync::LazyLock<Mutex<HashSet<(String, bool)>>> = std::sync::LazyLock::new(Default::default);

/// Tells the user, once per document, why it has no diagnostics. An open document over the size
/// limit gets a visible message, because its author is looking at it and would otherwise think it
/// clean; generated code and files on disk go to the log only, as a workspace may hold thousands
/// of them and skipping generated code is what users expect of a linter.
pub(super) async fn tell_skipped(client: &Client, uri: &Uri, skip: Skip, open: bool) {
    let first = TOLD.lock().is_ok_and(|mut t| t.insert((uri.as_str().to_string(), open)));
    if !first {
        return;
    }
    let name = uri.to_file_path().map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string());
    let message = format!("gohazard: {name}: {}", skip.describe());
    info!("{message}");
    match skip {
        Skip::TooLarge { .. } if open => client.show_message(MessageType::WARNING, message).await,
        Skip::TooLarge { .. } => client.log_message(MessageType::INFO, message).await,
        Skip::Generated => client.log_message(MessageType::LOG, message).await,
    }
}

/// Reads a workspace file that is not open, analyses it with the index, records its route facts for
/// the endpoint lenses, and returns its diagnostics; the text is dropped.
fn analyze_on_disk(
    uri: &Uri,
    path: &Path,
    index: &RwLock<Index>,
    config: &Config,
    facts: &super::routes::RouteStore,
    enc: Encoding,
) -> Option<(Vec<Diagnostic>, Option<Skip>)> {
    let skipped = |text: &str, skip: Skip| {
        // Its old diagnostics and route facts are stale; the index keeps what it should.
        index_skipped(text, uri.as_str(), skip, index);
        facts.remove(uri.as_str());
        Some((Vec::new(), Some(skip)))
    };
    let text = match read_text(path, config) {
        Ok(text) => text,
        Err(None) => return None,
        Err(Some(skip)) => return skipped("", skip),
    };
    if let Some(skip) = config.skip(&text) {
        return skipped(&text, skip);
    }
    let file = super::file_info(uri);
    let (tree, findings) = analyze_text_indexed(&text, None, uri.as_str(), &file, index, config, None);
    let empty = Index::default();
    let guard = index.read();
    let src = Source::new(&text, &tree).with_context(&file, guard.as_deref().unwrap_or(&empty));
    facts.insert(uri.as_str().to_string(), endpoints::file_facts(uri.as_str(), &src, &findings));
    drop(guard);
    let analysis = Analysis {
        version: 0,
        rope: Rope::from_str(&text),
        text: Arc::new(text),
        findings: Arc::new(findings),
        skipped: None,
    };
    Some((convert::diagnostics(uri, &analysis, enc), None))
}

impl Backend {
    fn in_workspace(&self, path: &Path) -> bool {
        self.folders().iter().any(|root| path.starts_with(root) && !walk::is_excluded(root, path))
    }

    /// Starts a scan of the workspace folders in the background; a scan already running stops.
    pub(super) fn start_scan(&self) {
        let generation = self.scan_generation.fetch_add(1, Ordering::SeqCst) + 1;
        let this = self.clone_handles();
        tokio::spawn(async move { this.scan(generation).await });
    }

    pub(super) fn clone_handles(&self) -> Backend {
        Backend {
            client: self.client.clone(),
            docs: self.docs.clone(),
            state: self.state.clone(),
            index: self.index.clone(),
            disk: self.disk.clone(),
            scan_generation: self.scan_generation.clone(),
            facts: self.facts.clone(),
            direct: self.direct.clone(),
        }
    }

    async fn scan(&self, generation: u64) {
        let folders = self.folders();
        if folders.is_empty() {
            return;
        }
        let stale = || self.scan_generation.load(Ordering::SeqCst) != generation;
        let Ok((files, errors)) = tokio::task::spawn_blocking(move || walk::go_files(&folders)).await else { return };
        for e in errors {
            warn!("workspace scan: {e}");
        }
        let total = files.len();
        info!("workspace scan: {total} Go files");
        let progress = if self.caps().work_done_progress {
            let token = NumberOrString::String(format!("gohazard-scan-{generation}"));
            match self.client.create_work_done_progress(token.clone()).await {
                Ok(()) => Some(
                    self.client
                        .progress(token, "gohazard")
                        .with_message(format!("Scanning {total} Go files"))
                        .with_percentage(0)
                        .begin()
                        .await,
                ),
                Err(e) => {
                    warn!("no progress token: {e}");
                    None
                }
            }
        } else {
            None
        };

        let config = self.settings().config;
        // Pass 1: declarations of every file, so pass 2 sees the whole workspace.
        let mut done = 0;
        for chunk in files.chunks(CHUNK) {
            if stale() {
                return;
            }
            let chunk = chunk.to_vec();
            let config = config.clone();
            let decls = tokio::task::spawn_blocking(move || {
                chunk
                    .par_iter()
                    .filter_map(|p| {
                        let text = read_text(p, &config).ok()?;
                        let tree = parse(&text, None);
                        Some((p.clone(), declarations(&Source::new(&text, &tree))))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            if let Ok(mut idx) = self.index.write() {
                for (path, d) in decls {
                    if let Some(uri) = uri_of(&path) {
                        // An open document's own declarations are already there and newer.
                        if !self.docs.contains_key(&uri) {
                            idx.set_file(uri.as_str(), d);
                        }
                    }
                }
            }
            done += CHUNK.min(total - done);
            if let Some(p) = &progress {
                p.report((done * 30 / total.max(1)) as u32).await;
            }
        }

        // Pass 2: analyse with the complete index; keep only diagnostics.
        let enc = self.encoding();
        let push = !self.caps().pull_diagnostics;
        let mut done = 0;
        for chunk in files.chunks(CHUNK) {
            if stale() {
                return;
            }
            let chunk: Vec<PathBuf> = chunk.to_vec();
            let index = self.index.clone();
            let config = config.clone();
            let docs = self.docs.clone();
            let facts = self.facts.clone();
            let results = tokio::task::spawn_blocking(move || {
                chunk
                    .par_iter()
                    .filter_map(|p| {
                        let uri = uri_of(p)?;
                        if docs.contains_key(&uri) {
                            return None;
                        }
                        let (diags, skipped) = analyze_on_disk(&uri, p, &index, &config, &facts, enc)?;
                        Some((uri, diags, skipped))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            // Sent with the endpoint context last published: the routes of files not scanned yet
            // are not known, and the end of the scan sends again what their context changed.
            let contexts = self.facts.published();
            for (uri, diags, skipped) in results {
                if self.docs.contains_key(&uri) {
                    continue;
                }
                if let Some(skip) = skipped {
                    tell_skipped(&self.client, &uri, skip, false).await;
                }
                let had = self.disk.insert(uri.clone(), diags.clone()).is_some_and(|d| !d.is_empty());
                if push && (had || !diags.is_empty()) {
                    let diags = super::routes::with_context(uri.as_str(), diags, &contexts);
                    self.send_diagnostics(uri, diags, None).await;
                }
            }
            done += CHUNK.min(total - done);
            if let Some(p) = &progress {
                p.report((30 + done * 70 / total.max(1)) as u32).await;
            }
        }
        if let Some(p) = progress {
            p.finish_with_message(format!("{total} files scanned")).await;
        }
        let built = self.workspace_report().await;
        self.after_context_change(&built, None).await;
        if !push {
            let _ = self.client.workspace_diagnostic_refresh().await;
        }
        info!("workspace scan done");
    }

    /// Analyses a file from disk (for a closed or changed file). `None` when it is not a readable
    /// workspace Go file.
    pub(super) async fn analyze_disk_file(&self, uri: &Uri) -> Option<Vec<Diagnostic>> {
        let path = uri.to_file_path()?.into_owned();
        if !walk::is_go_file(&path) || !self.in_workspace(&path) {
            return None;
        }
        let index = self.index.clone();
        let config = self.settings().config;
        let enc = self.encoding();
        let facts = self.facts.clone();
        let file = uri.clone();
        let (diags, skipped) =
            tokio::task::spawn_blocking(move || analyze_on_disk(&file, &path, &index, &config, &facts, enc))
                .await
                .ok()
                .flatten()?;
        if let Some(skip) = skipped {
            tell_skipped(&self.client, uri, skip, false).await;
        }
        Some(diags)
    }

    /// Re-reads a file that is not open (closed, created or changed on disk) and publishes its
    /// diagnostics; forgets it if it is gone or outside the workspace.
    pub(super) async fn refresh_disk_file(&self, uri: &Uri) {
        if self.docs.contains_key(uri) {
            return;
        }
        match self.analyze_disk_file(uri).await {
            Some(diags) => {
                self.disk.insert(uri.clone(), diags.clone());
                if !self.caps().pull_diagnostics {
                    let diags = super::routes::with_context(uri.as_str(), diags, &self.facts.published());
                    self.send_diagnostics(uri.clone(), diags, None).await;
                }
            }
            None => self.forget(uri).await,
        }
    }

    async fn forget(&self, uri: &Uri) {
        self.disk.remove(uri);
        self.facts.remove(uri.as_str());
        if let Ok(mut idx) = self.index.write() {
            idx.remove_file(uri.as_str());
        }
        self.send_diagnostics(uri.clone(), Vec::new(), None).await;
    }

    /// After folders were removed: drop what belongs to no folder any more.
    pub(super) async fn forget_outside_folders(&self) {
        let gone: Vec<Uri> = self
            .disk
            .iter()
            .map(|e| e.key().clone())
            .filter(|u| u.to_file_path().is_none_or(|p| !self.in_workspace(&p)))
            .collect();
        for uri in gone {
            self.forget(&uri).await;
        }
        let built = self.workspace_report().await;
        self.after_context_change(&built, None).await;
    }

    pub(super) async fn on_watched_files(&self, changes: Vec<FileEvent>) {
        let mut rescan = false;
        for change in changes {
            let Some(path) = change.uri.to_file_path().map(|p| p.into_owned()) else { continue };
            match path.file_name().and_then(|n| n.to_str()) {
                Some(crate::config::CONFIG_FILE) => {
                    self.reload_config_file().await;
                    self.reanalyze_open_documents();
                    rescan = true;
                }
                Some("go.mod") => {
                    super::forget_go_versions();
                    self.reanalyze_open_documents();
                    rescan = true;
                }
                _ if walk::is_go_file(&path) => {
                    if change.typ == FileChangeType::DELETED {
                        if !self.docs.contains_key(&change.uri) {
                            self.forget(&change.uri).await;
                        }
                    } else {
                        self.refresh_disk_file(&change.uri).await;
                    }
                }
                _ => {}
            }
        }
        let built = self.workspace_report().await;
        self.after_context_change(&built, None).await;
        if rescan {
            self.start_scan();
        }
    }
}
