use super::Rule;
use crate::analysis::{Finding, Severity, Source};
use crate::config::Config;

// Placeholder while the rule is being written: registered so ids and docs are stable, finds nothing.
pub(super) const RULE: Rule = Rule {
    id: "unclosed-body",
    summary: "TODO",
    default_severity: Severity::Warning,
    fixable: true,
    query: include_str!("../../../queries/unclosed-body.scm"),
    docs: "## What it does\n## Why it hurts under load\n## Example\n## Fix\n## What it cannot see\n",
    check,
};

fn check(_src: &Source<'_>, _config: &Config, _out: &mut Vec<Finding>) {}
