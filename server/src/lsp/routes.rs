//! The workspace's endpoint facts for the server: each file's routes and call facts (open
//! documents from their current analysis, other files from the scan and file events), the
//! amplification report built over all of them, and the endpoint context that diagnostics carry.
//!
//! The report is rebuilt only when some file's facts changed since the last build. The context
//! is added to diagnostics when they are sent, by line, from the facts of the same text; the
//! findings the analysis caches stay as the rules wrote them. When a change elsewhere (a route
//! registered, a middleware fixed) changes the context of a file, the server sends that file's
//! diagnostics again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use dashmap::DashMap;
use tower_lsp_server::ls_types::Diagnostic;

use crate::analysis::Finding;
use crate::endpoints::{self, Contexts, FileFacts, Summary};

/// The report over the facts of one generation.
#[derive(Clone, Default)]
pub(super) struct Built {
    generation: u64,
    pub summaries: Arc<Vec<Summary>>,
    pub contexts: Arc<Contexts>,
}

#[derive(Default)]
pub(super) struct RouteStore {
    facts: DashMap<String, Arc<FileFacts>>,
    /// For open documents: the findings their facts were extracted with, to skip extracting them
    /// again for the same analysis.
    sources: DashMap<String, (Arc<String>, Arc<Vec<Finding>>)>,
    /// Bumped by every change of facts.
    generation: AtomicU64,
    built: Mutex<Option<Built>>,
    /// The contexts diagnostics were last sent with, and how many times they changed (part of
    /// the pull diagnostics' result id, so a client does not keep a report whose context changed).
    published: Mutex<(Arc<Contexts>, u64)>,
    /// What the code lenses showed when they were last refreshed.
    lensed: Mutex<Vec<(String, String)>>,
}

impl RouteStore {
    pub fn insert(&self, key: String, facts: FileFacts) {
        self.sources.remove(&key);
        self.facts.insert(key, Arc::new(facts));
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Records the facts of an open document's analysis, identified by its findings.
    pub fn insert_document(&self, key: String, facts: FileFacts, text: Arc<String>, findings: Arc<Vec<Finding>>) {
        self.insert(key.clone(), facts);
        self.sources.insert(key, (text, findings));
    }

    /// Whether the document's facts come from an analysis of this text with these findings. Two
    /// analyses of one version (a request may start its own) give equal ones, so equality counts.
    pub fn is_current(&self, key: &str, text: &Arc<String>, findings: &Arc<Vec<Finding>>) -> bool {
        self.sources.get(key).is_some_and(|s| {
            (Arc::ptr_eq(&s.0, text) || *s.0 == **text) && (Arc::ptr_eq(&s.1, findings) || *s.1 == **findings)
        })
    }

    pub fn remove(&self, key: &str) {
        self.sources.remove(key);
        if self.facts.remove(key).is_some() {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The report over the current facts, built if any changed. CPU work: call it off the async
    /// threads.
    pub fn built(&self) -> Built {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some(b) = self.built.lock().ok().and_then(|b| b.clone()).filter(|b| b.generation == generation) {
            return b;
        }
        let all: Vec<Arc<FileFacts>> = self.facts.iter().map(|f| f.value().clone()).collect();
        let refs: Vec<&FileFacts> = all.iter().map(|f| &**f).collect();
        let summaries = endpoints::build_refs(&refs);
        let contexts = Contexts::new(&summaries);
        let b = Built { generation, summaries: Arc::new(summaries), contexts: Arc::new(contexts) };
        if let Ok(mut slot) = self.built.lock() {
            // A build of newer facts may have finished first; keep the newest.
            if slot.as_ref().is_none_or(|old| old.generation <= generation) {
                *slot = Some(b.clone());
            }
        }
        b
    }

    /// Records the contexts diagnostics are now sent with, and returns the files whose notes
    /// changed, but for `except`, which was just sent with them. Its own lines moving (an edit
    /// in it) changes no other file's diagnostics, so it counts as no change.
    pub fn publish(&self, contexts: &Arc<Contexts>, except: Option<&str>) -> Vec<String> {
        let Ok(mut p) = self.published.lock() else { return Vec::new() };
        if *p.0 == **contexts {
            return Vec::new();
        }
        let mut changed = p.0.changed_files(contexts);
        changed.retain(|f| Some(f.as_str()) != except);
        p.0 = contexts.clone();
        if !changed.is_empty() {
            p.1 += 1;
        }
        changed
    }

    /// Whether the lenses of `summaries` show anything else than those of the last call, which
    /// the code lenses were refreshed for ([`super::convert::lens_contents`]); records them.
    pub fn lenses_changed(&self, summaries: &[Summary]) -> bool {
        let contents: Vec<(String, String)> =
            super::convert::lens_contents(summaries).into_iter().map(|(f, t)| (f.to_string(), t)).collect();
        let Ok(mut last) = self.lensed.lock() else { return false };
        if *last == contents {
            return false;
        }
        *last = contents;
        true
    }

    /// The contexts diagnostics were last sent with.
    pub fn published(&self) -> Arc<Contexts> {
        self.published.lock().map(|p| p.0.clone()).unwrap_or_default()
    }

    /// How many times the published contexts changed.
    pub fn context_generation(&self) -> u64 {
        self.published.lock().map(|p| p.1).unwrap_or(0)
    }
}

/// The diagnostics of `uri` with the endpoint context of their line appended to the message.
pub(super) fn with_context(uri: &str, mut diags: Vec<Diagnostic>, contexts: &Contexts) -> Vec<Diagnostic> {
    if contexts.is_empty() {
        return diags;
    }
    for d in &mut diags {
        if let Some(note) = contexts.note(uri, d.range.start.line as usize + 1) {
            d.message.push_str(&note);
        }
    }
    diags
}
