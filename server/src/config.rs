//! Settings that shape the analysis: which rules run, how loud they are, and their limits.
//!
//! The same structure comes from the language server's `initializationOptions` and
//! `workspace/didChangeConfiguration`, and later from `gohazard.toml`. Unknown keys are ignored and
//! a value of the wrong type falls back to the default with a warning, so a broken setting never
//! stops the server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::analysis::Severity;
use crate::rules::Rule;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct RuleSettings {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Per-rule switches and severities, keyed by rule id.
    pub rules: HashMap<String, RuleSettings>,
    /// The byte limit that the `unbounded-read` fixes put in their constant (`maxBodyBytes`).
    pub max_body_bytes: u64,
    /// Timeouts on a request path longer than this are flagged by `long-timeout` (`longTimeout`).
    pub long_timeout: Duration,
    /// Extra types that carry a request context, as `pkg.Type` (`contextTypes`), e.g. `api.Context`.
    pub context_types: Vec<String>,
    /// Extra functions whose map arguments are filters, as `pkg.Func` or `Type.Method`
    /// (`filterFunctions`), for callees outside the workspace.
    pub filter_functions: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rules: HashMap::new(),
            max_body_bytes: 1 << 20,
            long_timeout: Duration::from_secs(10),
            context_types: Vec::new(),
            filter_functions: Vec::new(),
        }
    }
}

/// The name of the configuration file looked up at the workspace root.
pub const CONFIG_FILE: &str = "gohazard.toml";

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
            // Lua clients (Neovim) encode an empty table as `[]`: that is empty settings too.
            if !value.is_null() && value.as_array().is_none_or(|a| !a.is_empty()) {
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
        if let Some(v) = obj.get("longTimeout") {
            match parse_duration(v) {
                Some(d) if !d.is_zero() => config.long_timeout = d,
                _ => problems
                    .push(format!("longTimeout must be a duration like \"10s\" or a number of seconds, got {v}")),
            }
        }
        for (key, field) in
            [("contextTypes", &mut config.context_types), ("filterFunctions", &mut config.filter_functions)]
        {
            let Some(v) = obj.get(key) else { continue };
            match v.as_array().map(|a| a.iter().map(|x| x.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()) {
                Some(Some(list)) => *field = list,
                _ => problems.push(format!("{key} must be a list of strings, got {v}")),
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

/// Parses `"10s"`, `"1m30s"`, `"500ms"`, `"2h"` or a plain number of seconds.
pub fn parse_duration(v: &serde_json::Value) -> Option<Duration> {
    if let Some(secs) = v.as_f64() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let s = v.as_str()?.trim();
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let num: f64 = num.parse().ok()?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit()).unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += Duration::from_secs_f64(num * scale);
        rest = tail;
    }
    (!s.is_empty()).then_some(total)
}

/// Converts a TOML key (`max-body-bytes`, `max_body_bytes`) to the settings' camelCase.
fn camel(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in key.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn toml_to_json(v: toml::Value, in_rules: bool) -> serde_json::Value {
    match v {
        toml::Value::Table(t) => serde_json::Value::Object(
            t.into_iter()
                .map(|(k, v)| {
                    // Rule ids are kept as they are; every other key may be kebab- or snake-case.
                    let key = if in_rules { k.clone() } else { camel(&k) };
                    let nested_rules = !in_rules && key == "rules";
                    (key, toml_to_json(v, nested_rules))
                })
                .collect(),
        ),
        toml::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(|x| toml_to_json(x, false)).collect()),
        toml::Value::String(s) => s.into(),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => f.into(),
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => d.to_string().into(),
    }
}

/// Reads a `gohazard.toml` text into the settings' JSON shape. The error names the line.
pub fn toml_settings(text: &str) -> Result<serde_json::Value, String> {
    let value: toml::Value = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    Ok(toml_to_json(value, false))
}

/// Merges `over` into `base`: objects key by key, anything else replaced. Client settings go over
/// the file's.
pub fn merge(base: &mut serde_json::Value, over: &serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, o) if !o.is_null() => *b = o.clone(),
        _ => {}
    }
}

/// The nearest `gohazard.toml` in `start` or its parents.
pub fn find_config_file(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|d| d.join(CONFIG_FILE)).find(|p| p.is_file())
}

/// Loads a config file. `Err` when it cannot be read or is not valid TOML; unknown or ill-typed
/// settings come back as problems next to a config that keeps everything else.
pub fn load_file(path: &Path) -> Result<(Config, Vec<String>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value = toml_settings(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let (config, problems) = Config::from_json(&value);
    Ok((config, problems.into_iter().map(|p| format!("{}: {p}", path.display())).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn toml_file_maps_onto_settings() {
        let text = r#"
max-body-bytes = 4096
long_timeout = "1m30s"
context-types = ["api.Context"]

[rules.double-next]
severity = "warning"

[rules.unbounded-read]
enabled = false
"#;
        let (config, problems) = Config::from_json(&toml_settings(text).unwrap());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.max_body_bytes, 4096);
        assert_eq!(config.long_timeout, Duration::from_secs(90));
        assert_eq!(config.context_types, ["api.Context"]);
        assert!(!config.is_enabled("unbounded-read"));
        assert_eq!(config.rules["double-next"].severity, Some(Severity::Warning));
    }

    #[test]
    fn broken_settings_are_reported_and_the_rest_is_kept() {
        let err = toml_settings("max-body-bytes = \n").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        let (config, problems) = Config::from_json(&json!({
            "maxBodyBytes": -1, "longTimeout": "soon", "contextTypes": [1], "rules": {"nope": {}, "double-next": {"severity": "loud"}},
            "filterFunctions": ["toolbox.GetInfo"]
        }));
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(Config::from_json(&json!([])).1.is_empty(), "an empty Lua table is empty settings");
        assert_eq!(Config::from_json(&json!([1])).1.len(), 1);
        assert_eq!(config.max_body_bytes, 1 << 20);
        assert_eq!(config.filter_functions, ["toolbox.GetInfo"]);
    }

    #[test]
    fn durations_and_merging() {
        assert_eq!(parse_duration(&json!("500ms")), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration(&json!(15)), Some(Duration::from_secs(15)));
        assert_eq!(parse_duration(&json!("2h")), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration(&json!("10 parsecs")), None);
        let mut base = json!({"rules": {"a": {"enabled": false}}, "maxBodyBytes": 1});
        merge(&mut base, &json!({"rules": {"a": {"severity": "hint"}}, "maxBodyBytes": 2}));
        assert_eq!(base, json!({"rules": {"a": {"enabled": false, "severity": "hint"}}, "maxBodyBytes": 2}));
    }
}
