//! In-source suppressions: `//gohazard:ignore RULE[,RULE] reason`, `//nolint`, `//nolint:gohazard`
//! and `//nolint:RULE[,RULE]`. A comment at the end of a line covers that line; a comment alone on
//! its line covers the next line.

use super::{Finding, Source};

#[derive(Debug)]
struct Suppression {
    /// Zero-based line the comment covers.
    line: usize,
    /// Rule ids, or `None` for every rule.
    rules: Option<Vec<String>>,
}

#[derive(Debug, Default)]
pub struct Suppressions {
    list: Vec<Suppression>,
}

/// Parses one comment's text; `None` when it is not a suppression.
fn parse_comment(comment: &str) -> Option<Option<Vec<String>>> {
    let body = comment.strip_prefix("//")?;
    if let Some(rest) = body.trim_start().strip_prefix("gohazard:ignore") {
        // The first word lists the rules; the rest is the reason. A bare directive covers all rules.
        let list = rest.split_whitespace().next()?;
        return Some(Some(split_rules(list)));
    }
    let rest = body.strip_prefix("nolint")?;
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        return Some(None);
    }
    let list = rest.strip_prefix(':')?.split_whitespace().next().unwrap_or("");
    let rules = split_rules(list);
    if rules.iter().any(|r| r == "gohazard") {
        return Some(None);
    }
    Some(Some(rules))
}

fn split_rules(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::to_string).collect()
}

impl Suppressions {
    pub fn collect(src: &Source<'_>) -> Self {
        // Directives are rare: find their text first and only then the comment nodes around it,
        // instead of walking the whole tree on every keystroke.
        // `contains` first: it is vectorised and `match_indices` is not, and most files hold no
        // directive, so on every keystroke this costs a few microseconds instead of a hundred.
        let mut starts: Vec<usize> = ["gohazard:ignore", "nolint"]
            .iter()
            .filter(|needle| src.text.contains(**needle))
            .flat_map(|needle| src.text.match_indices(needle).map(|(i, _)| i))
            .collect();
        starts.sort_unstable();
        let mut list = Vec::new();
        let mut last_comment = None;
        for at in starts {
            let Some(n) = src.root().descendant_for_byte_range(at, at) else { continue };
            if n.kind() != "comment" || last_comment == Some(n.id()) {
                continue;
            }
            last_comment = Some(n.id());
            let Some(rules) = parse_comment(src.text_of(n)) else { continue };
            let start = n.start_byte();
            let before = &src.text[src.line_start(start)..start];
            let line = src.text[..start].matches('\n').count();
            let line = if before.trim().is_empty() { line + 1 } else { line };
            list.push(Suppression { line, rules });
        }
        Suppressions { list }
    }

    pub fn is_suppressed(&self, src: &Source<'_>, finding: &Finding) -> bool {
        if self.list.is_empty() {
            return false;
        }
        let line = src.text[..finding.range.start.min(src.text.len())].matches('\n').count();
        self.list
            .iter()
            .any(|s| s.line == line && s.rules.as_ref().is_none_or(|r| r.iter().any(|id| id == finding.rule)))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_comment;

    #[test]
    fn directive_forms() {
        let v = |s: &[&str]| Some(Some(s.iter().map(|x| x.to_string()).collect::<Vec<_>>()));
        assert_eq!(parse_comment("//gohazard:ignore double-next reason here"), v(&["double-next"]));
        assert_eq!(parse_comment("// gohazard:ignore a,b"), v(&["a", "b"]));
        assert_eq!(parse_comment("//nolint"), Some(None));
        assert_eq!(parse_comment("//nolint // reason"), Some(None));
        assert_eq!(parse_comment("//nolint:gohazard"), Some(None));
        assert_eq!(parse_comment("//nolint:errcheck,unclosed-body // why"), v(&["errcheck", "unclosed-body"]));
        assert_eq!(parse_comment("// nolint is prose here"), None);
        assert_eq!(parse_comment("//nolintx"), None);
        assert_eq!(parse_comment("// a normal comment"), None);
    }
}
