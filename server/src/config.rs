//! Settings that shape the analysis: which rules run, how loud they are, and their limits.
//!
//! The same structure comes from the language server's `initializationOptions` and
//! `workspace/didChangeConfiguration`, and later from `gohazard.toml`. Unknown keys are ignored and
//! a value of the wrong type falls back to the default with a warning, so a broken setting never
//! stops the server.

use std::collections::HashMap;

use serde::Deserialize;

use crate::analysis::Severity;
use crate::rules::Rule;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct RuleSettings {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Config {
    /// Per-rule switches and severities, keyed by rule id.
    pub rules: HashMap<String, RuleSettings>,
    /// The byte limit that the `unbounded-read` fixes put in their constant.
    pub max_body_bytes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config { rules: HashMap::new(), max_body_bytes: 1 << 20 }
    }
}

impl Config {
    pub fn is_enabled(&self, rule: &str) -> bool {
        self.rules.get(rule).and_then(|r| r.enabled).unwrap_or(true)
    }

    pub fn severity(&self, rule: &Rule) -> Severity {
        self.rules.get(rule.id).and_then(|r| r.severity).unwrap_or(rule.default_severity)
    }

    /// Reads settings from JSON, keeping every field that parses and reporting the others.
    pub fn from_json(value: &serde_json::Value) -> (Config, Vec<String>) {
        let mut config = Config::default();
        let mut problems = Vec::new();
        let Some(obj) = value.as_object() else {
            if !value.is_null() {
                problems.push(format!("settings must be an object, got {value}"));
            }
            return (config, problems);
        };
        if let Some(v) = obj.get("maxBodyBytes") {
            match v.as_u64() {
                Some(n) if n > 0 => config.max_body_bytes = n,
                _ => problems.push(format!("maxBodyBytes must be a positive integer, got {v}")),
            }
        }
        if let Some(rules) = obj.get("rules") {
            match rules.as_object() {
                Some(map) => {
                    for (id, v) in map {
                        if crate::rules::find(id).is_none() {
                            problems.push(format!("unknown rule {id:?} in settings"));
                        }
                        match serde_json::from_value::<RuleSettings>(v.clone()) {
                            Ok(r) => {
                                config.rules.insert(id.clone(), r);
                            }
                            Err(e) => problems.push(format!("rules.{id}: {e}")),
                        }
                    }
                }
                None => problems.push(format!("rules must be an object, got {rules}")),
            }
        }
        (config, problems)
    }
}
