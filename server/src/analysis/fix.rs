//! Applying fixes to text.

use super::index::Index;
use super::{Edit, FileInfo, Finding, Fix};
use crate::config::Config;

/// Applies non-overlapping edits to `text`. Returns `None` when edits overlap or fall outside the
/// text, so a broken fix can never corrupt a file.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in sorted {
        if e.range.start < pos || e.range.end < e.range.start || !text.is_char_boundary(e.range.end) {
            return None;
        }
        out.push_str(text.get(pos..e.range.start)?);
        out.push_str(&e.new_text);
        pos = e.range.end;
    }
    out.push_str(text.get(pos..)?);
    Some(out)
}

/// Picks the fix of a finding: the one with id `want` if given, else the preferred one.
pub fn choose<'f>(finding: &'f Finding, want: Option<&str>) -> Option<&'f Fix> {
    match want {
        Some(id) => finding.fixes.iter().find(|f| f.id == id),
        None => finding.fixes.iter().find(|f| f.preferred),
    }
}

/// Applies one fix at a time and re-analyses, until no finding has a fix to apply or `max_rounds`
/// fixes were applied. One at a time, because two fixes may each add the same declaration or
/// import; re-analysis sees the first and the second adapts. Fixes whose result no longer parses
/// are skipped. Returns the new text and how many fixes were applied.
pub fn fix_all(text: &str, config: &Config, want: Option<&str>, max_rounds: usize) -> (String, usize) {
    fix_all_with(text, config, &FileInfo::default(), &Index::default(), want, max_rounds)
}

/// [`fix_all`] with facts about the file and the workspace index, as the analysis gets them.
pub fn fix_all_with(
    text: &str,
    config: &Config,
    file: &FileInfo,
    index: &Index,
    want: Option<&str>,
    max_rounds: usize,
) -> (String, usize) {
    let outcome = fix_file(text, config, file, index, want, max_rounds);
    (outcome.text, outcome.applied.len())
}

/// One fix that [`fix_file`] applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub rule: &'static str,
    pub fix: &'static str,
    pub title: String,
}

/// The result of [`fix_file`]: the new text, what was applied in order, and the findings of the new
/// text (so a caller that reports what is left need not analyse it once more).
#[derive(Clone, Debug)]
pub struct FixOutcome {
    pub text: String,
    pub applied: Vec<Applied>,
    pub remaining: Vec<Finding>,
}

/// [`fix_all_with`], telling which fixes were applied and what remains.
pub fn fix_file(
    text: &str,
    config: &Config,
    file: &FileInfo,
    index: &Index,
    want: Option<&str>,
    max_rounds: usize,
) -> FixOutcome {
    let mut current = text.to_string();
    let mut applied = Vec::new();
    let mut skipped: Vec<(String, usize)> = Vec::new();
    loop {
        let tree = super::parse(&current, None);
        let findings = super::analyze_file(&current, &tree, config, file, index);
        if applied.len() >= max_rounds {
            return FixOutcome { text: current, applied, remaining: findings };
        }
        let next = findings
            .iter()
            .filter(|f| !skipped.contains(&(f.rule.to_string(), f.range.start)))
            .find_map(|f| choose(f, want).map(|fix| (f, fix)));
        let Some((finding, fix)) = next else {
            return FixOutcome { text: current, applied, remaining: findings };
        };
        match apply_edits(&current, &fix.edits) {
            Some(new) if !super::parse(&new, None).root_node().has_error() => {
                current = new;
                applied.push(Applied { rule: finding.rule, fix: fix.id, title: fix.title.clone() });
                skipped.clear();
            }
            _ => skipped.push((finding.rule.to_string(), finding.range.start)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_and_overlaps_are_refused() {
        let t = "hello world";
        let out = apply_edits(t, &[Edit::replace(6..11, "there"), Edit::insert(0, ">> ")]).unwrap();
        assert_eq!(out, ">> hello there");
        assert_eq!(apply_edits(t, &[Edit::delete(0..5), Edit::delete(3..7)]), None);
        assert_eq!(apply_edits(t, &[Edit::delete(5..99)]), None);
    }
}
