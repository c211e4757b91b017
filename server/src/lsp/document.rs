//! The document store: the text of each open document, its version, and its syntax tree.
//!
//! Architecture invariant: changes are applied here synchronously, in the order the client sent
//! them, before the notification handler awaits anything. tower-lsp-server runs notification
//! handlers concurrently, so doing it later could apply edits out of order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ropey::Rope;
use tree_sitter::{InputEdit, Tree};

use crate::analysis::incremental::Cache;
use crate::analysis::Finding;
use crate::config::Skip;
use crate::endpoints::Contexts;
use crate::text::{byte_to_point, linecol_to_byte, Encoding, LineCol};

/// One change as sent by the client: a range (in the negotiated encoding) and its new text, or the
/// whole new text when `range` is `None`.
pub struct Change {
    pub range: Option<(LineCol, LineCol)>,
    pub text: String,
}

/// The result of analysing one version of a document, with the text it was computed on (positions
/// must be converted against that text, not a newer one).
pub struct Analysis {
    pub version: i32,
    pub rope: Rope,
    pub text: Arc<String>,
    pub findings: Arc<Vec<Finding>>,
    /// Why this version was not analysed at all (too big, generated); its findings are then empty.
    pub skipped: Option<Skip>,
}

pub struct Document {
    pub version: i32,
    pub rope: Rope,
    /// The same text in one piece, kept in step with `rope` by applying every change to both: the
    /// analysis needs a `&str`, and building one from the rope on every keystroke cost a copy
    /// through the rope's chunks. Shared with the analysis that reads it; a change copies it only
    /// while it is shared.
    pub text: Arc<String>,
    /// The last parsed tree, already adjusted with `Tree::edit` for every change since; `None` after
    /// a full-text replacement.
    pub tree: Option<Tree>,
    /// Bumped on every change; a scheduled analysis runs only if it is still current.
    pub generation: u64,
    pub last: Option<Arc<Analysis>>,
    /// Findings per top-level declaration, so an edit re-runs the rules only where it changed.
    /// Taken by the analysis that runs and put back when it is done.
    pub cache: Option<Cache>,
    /// Tells this document from one opened again under the same URI, whose versions and
    /// generations start over: an analysis of the old one must leave the new one alone.
    pub id: u64,
    /// Whether a run of analyses of this document is under way; it analyses the newest version
    /// before it ends, so a change made meanwhile starts no other.
    pub running: bool,
    /// The newest generation that a run analysed (0 before the first).
    pub analysed: u64,
    /// The endpoint facts still to bring up to date: the last published analysis, the endpoint
    /// contexts its diagnostics were sent with, and when typing will have paused long enough.
    pub endpoint: Option<PendingReport>,
    /// Whether a timer task waits for `endpoint`; publishing then only moves its deadline.
    pub endpoint_timer: bool,
    /// The positions of the diagnostics last published, which the next publish reuses where the
    /// text did not change (see [`super::convert::diagnostics_reusing`]).
    pub positions: Option<super::convert::Positions>,
}

/// See [`Document::endpoint`].
pub struct PendingReport {
    pub analysis: Arc<Analysis>,
    pub sent: Arc<Contexts>,
    pub due: Instant,
}

/// The source of [`Document::id`].
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Document {
    pub fn new(version: i32, text: &str) -> Self {
        Document {
            version,
            rope: Rope::from_str(text),
            text: Arc::new(text.to_string()),
            tree: None,
            generation: 0,
            last: None,
            cache: Some(Cache::default()),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            running: false,
            analysed: 0,
            endpoint: None,
            endpoint_timer: false,
            positions: None,
        }
    }

    /// Applies the changes of one `didChange` notification in order and moves to `version`.
    pub fn apply(&mut self, version: i32, changes: Vec<Change>, enc: Encoding) {
        for change in changes {
            match change.range {
                None => {
                    self.rope = Rope::from_str(&change.text);
                    self.text = Arc::new(change.text);
                    self.tree = None;
                }
                Some((start, end)) => self.apply_range(start, end, &change.text, enc),
            }
        }
        self.version = version;
        self.generation += 1;
    }

    fn apply_range(&mut self, start: LineCol, end: LineCol, text: &str, enc: Encoding) {
        let start_byte = linecol_to_byte(&self.rope, start, enc);
        // A reversed range is a client bug; treat it as empty rather than fail.
        let old_end_byte = linecol_to_byte(&self.rope, end, enc).max(start_byte);
        let start_position = byte_to_point(&self.rope, start_byte);
        let old_end_position = byte_to_point(&self.rope, old_end_byte);
        let start_char = self.rope.byte_to_char(start_byte);
        let end_char = self.rope.byte_to_char(old_end_byte);
        self.rope.remove(start_char..end_char);
        self.rope.insert(start_char, text);
        // Both offsets come from the rope, so they fall on character boundaries of the same text.
        Arc::make_mut(&mut self.text).replace_range(start_byte..old_end_byte, text);
        let new_end_byte = start_byte + text.len();
        if let Some(tree) = &mut self.tree {
            tree.edit(&InputEdit {
                start_byte,
                old_end_byte,
                new_end_byte,
                start_position,
                old_end_position,
                new_end_position: byte_to_point(&self.rope, new_end_byte),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::parse;

    fn lc(line: usize, col: usize) -> LineCol {
        LineCol { line, col }
    }

    #[test]
    fn incremental_edits_keep_text_and_tree_in_step() {
        let mut doc = Document::new(1, "package a\n\nfunc f() {\n}\n");
        doc.tree = Some(parse(&doc.rope.to_string(), None));
        doc.apply(
            2,
            vec![Change { range: Some((lc(2, 10), lc(2, 10))), text: "\n\tg(\"😀\")".into() }],
            Encoding::Utf16,
        );
        doc.apply(3, vec![Change { range: Some((lc(3, 4), lc(3, 6))), text: "漢".into() }], Encoding::Utf16);
        let text = doc.rope.to_string();
        assert_eq!(text, "package a\n\nfunc f() {\n\tg(\"漢\")\n}\n");
        let incremental = parse(&text, doc.tree.as_ref());
        let fresh = parse(&text, None);
        assert_eq!(incremental.root_node().to_sexp(), fresh.root_node().to_sexp());
        assert!(!incremental.root_node().has_error());
        assert_eq!(doc.version, 3);
    }

    /// The text kept in one piece equals the rope after random edits in every encoding: ranges
    /// in and past lines, inside surrogate pairs and UTF-8 sequences, across CRLF line breaks,
    /// reversed, and whole-text replacements.
    #[test]
    fn the_text_stays_equal_to_the_rope_through_random_edits() {
        let mut seed = 0x5EED_u64;
        let mut next = move |n: usize| {
            seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n.max(1) as u64) as usize
        };
        let pieces = ["a", "é", "😀", "漢", "\r\n", "\n", "\r", "\t", "func f() {}", "", "x😀\r\ny"];
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let mut doc = Document::new(1, "package a\r\n\r\nfunc f() {\r\n\tg(\"😀é\")\r\n}\n// 漢字\r");
            for step in 0..2_000 {
                let lines = doc.rope.len_lines() + 1;
                let change = if step % 500 == 499 {
                    Change { range: None, text: "package b\r\n😀\n".into() }
                } else {
                    let (start, end) = (lc(next(lines), next(12)), lc(next(lines), next(12)));
                    let text = (0..next(3)).map(|_| pieces[next(pieces.len())]).collect();
                    Change { range: Some((start, end)), text }
                };
                doc.apply(step + 2, vec![change], enc);
                assert_eq!(*doc.text, doc.rope.to_string(), "{enc:?}, step {step}");
            }
        }
    }
}
