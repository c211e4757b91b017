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
    /// Files bigger than this many bytes are not analysed (`maxFileSize`, `max-file-size`): the
    /// rules are linear on ordinary code, but a multi-megabyte file is almost always data or
    /// generated, and analysing it on every keystroke would stall the editor.
    pub max_file_size: u64,
    /// Analyse generated files too (`includeGenerated`). Off by default: a file marked
    /// `// Code generated ... DO NOT EDIT.` is rewritten by its generator, so its findings cannot
    /// be fixed where they are reported.
    pub include_generated: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rules: HashMap::new(),
            max_body_bytes: 1 << 20,
            long_timeout: Duration::from_secs(10),
            context_types: Vec::new(),
            filter_functions: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            include_generated: false,
        }
    }
}

/// The default of [`Config::max_file_size`]: 2 MiB, more than any hand-written Go file.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 << 20;

/// Why a file is not analysed at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The file is bigger than `max-file-size`.
    TooLarge { size: u64, limit: u64 },
    /// The file says it is generated and `include-generated` is off.
    Generated,
}

impl Skip {
    /// One sentence for the user, after the file's name.
    pub fn describe(&self) -> String {
        match self {
            Skip::TooLarge { size, limit } => format!(
                "not analysed: {} is over the max-file-size limit of {} (set max-file-size in gohazard.toml to change it)",
                human_size(*size),
                human_size(*limit)
            ),
            Skip::Generated => "not analysed: generated code (`// Code generated ... DO NOT EDIT.`); set \
                                include-generated = true in gohazard.toml to analyse it"
                .to_string(),
        }
    }
}

/// A byte count as people read it: `2.0 MiB`, `512 KiB`, `80 bytes`.
fn human_size(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB ({n} bytes)", n as f64 / (1 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB ({n} bytes)", n as f64 / (1 << 10) as f64)
    } else {
        format!("{n} bytes")
    }
}

/// Whether a Go file declares itself generated, by Go's convention: a line
/// `^// Code generated .* DO NOT EDIT\.$` before the package clause. Only the header is read, line
/// by line, so the check costs nothing next to parsing; a header without a package clause (a
/// half-typed file) is read to its end.
pub fn is_generated(text: &str) -> bool {
    const PREFIX: &str = "// Code generated ";
    const SUFFIX: &str = " DO NOT EDIT.";
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() >= PREFIX.len() + SUFFIX.len() && line.starts_with(PREFIX) && line.ends_with(SUFFIX) {
            return true;
        }
        let code = line.trim_start();
        if code.strip_prefix("package").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '/'])) {
            return false;
        }
    }
    false
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

    /// Whether a file of `size` bytes is over the limit, checked before reading it.
    pub fn skip_size(&self, size: u64) -> Option<Skip> {
        (size > self.max_file_size).then_some(Skip::TooLarge { size, limit: self.max_file_size })
    }

    /// Why `text` is not analysed, if it is not: too big, or generated.
    pub fn skip(&self, text: &str) -> Option<Skip> {
        self.skip_size(text.len() as u64)
            .or_else(|| (!self.include_generated && is_generated(text)).then_some(Skip::Generated))
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
        if let Some(v) = obj.get("maxFileSize") {
            match parse_size(v) {
                Some(n) if n > 0 => config.max_file_size = n,
                _ => problems
                    .push(format!("maxFileSize must be a positive number of bytes or a size like \"4MiB\", got {v}")),
            }
        }
        if let Some(v) = obj.get("includeGenerated") {
            match v.as_bool() {
                Some(b) => config.include_generated = b,
                None => problems.push(format!("includeGenerated must be true or false, got {v}")),
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

/// Parses a byte count: a plain number, or a string like `"4MiB"`, `"512 KiB"`, `"3MB"`, `"100000"`.
pub fn parse_size(v: &serde_json::Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num.parse().ok()?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return None,
    };
    let bytes = num * scale as f64;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
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
    fn size_limit_and_generated_code_settings() {
        let (config, problems) =
            Config::from_json(&toml_settings("max-file-size = \"4MiB\"\ninclude_generated = true\n").unwrap());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.max_file_size, 4 << 20);
        assert!(config.include_generated);
        let (config, _) = Config::from_json(&json!({"maxFileSize": 100}));
        assert_eq!(config.max_file_size, 100);
        assert!(!config.include_generated);
        assert_eq!(config.skip_size(101), Some(Skip::TooLarge { size: 101, limit: 100 }));
        assert_eq!(config.skip_size(100), None);
        let (config, problems) = Config::from_json(&json!({"maxFileSize": "huge", "includeGenerated": "yes"}));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(config, Config::default());
        assert_eq!(Config::default().max_file_size, 2 << 20);
        assert_eq!(parse_size(&json!("512 KiB")), Some(512 << 10));
        assert_eq!(parse_size(&json!("3MB")), Some(3_000_000));
        assert_eq!(parse_size(&json!("1.5 parsecs")), None);
        assert_eq!(parse_size(&json!(-1)), None);
    }

    #[test]
    fn generated_code_is_recognised_by_its_header_only() {
        let generated = "// Code generated by protoc-gen-go. DO NOT EDIT.\n// source: a.proto\n\npackage a\n";
        assert!(is_generated(generated));
        assert!(is_generated(
            "// Copyright 2024\n\n// Code generated by sqlc. DO NOT EDIT.\r\n// versions:\npackage db\n"
        ));
        assert!(is_generated("\u{feff}// Code generated  DO NOT EDIT.\npackage a"), "`.*` may be empty");
        assert!(
            is_generated("/* license */\n// Code generated by go generate; DO NOT EDIT.\n"),
            "no package clause yet"
        );
        // After the package clause it is not the header any more.
        assert!(!is_generated("package a\n\n// Code generated by hand. DO NOT EDIT.\n"));
        // Near misses of the convention.
        assert!(!is_generated("// Code generated by protoc. DO NOT EDIT\npackage a\n"), "no final period");
        assert!(!is_generated("// code generated by protoc. DO NOT EDIT.\npackage a\n"), "lower case");
        assert!(!is_generated("//Code generated by protoc. DO NOT EDIT.\npackage a\n"));
        assert!(!is_generated("// Code generated by protoc. DO NOT EDIT. Really.\npackage a\n"));
        assert!(!is_generated("// Code generated DO NOT EDIT.\npackage a\n"), "the pattern has two spaces");
        assert!(!is_generated("// Code generated by x. DO NOT EDIT.".trim_end_matches('.')));
        assert!(!is_generated(""));
        let config = Config::default();
        assert_eq!(config.skip(generated), Some(Skip::Generated));
        assert_eq!(Config { include_generated: true, ..Config::default() }.skip(generated), None);
        let small = Config { max_file_size: 10, ..Config::default() };
        assert_eq!(small.skip(generated), Some(Skip::TooLarge { size: generated.len() as u64, limit: 10 }));
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
