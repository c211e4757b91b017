//! `docs/rules/<id>.md` is generated from the rules' own documentation; this test fails when a page
//! is stale or missing. `GOHAZARD_UPDATE_DOCS=1 cargo test --test docs` rewrites them.

use std::path::Path;

use gohazard::rules::{page, RULES};

#[test]
fn rule_pages_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules");
    let update = std::env::var_os("GOHAZARD_UPDATE_DOCS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for rule in RULES {
        let path = dir.join(format!("{}.md", rule.id));
        let want = page(rule);
        if update {
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let id = name.trim_end_matches(".md");
        if name.ends_with(".md") && name != "README.md" && !RULES.iter().any(|r| r.id == id) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    let readme_path = dir.join("../../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let new_readme = with_rule_table(&readme);
    if update {
        std::fs::write(&readme_path, &new_readme).unwrap();
    } else if new_readme != readme {
        stale.push("README.md rule table".to_string());
    }
    assert!(stale.is_empty(), "stale rule pages, run `GOHAZARD_UPDATE_DOCS=1 cargo test --test docs`: {stale:?}");
}

/// The README with its rule table (between the `rules:start` and `rules:end` markers) regenerated.
fn with_rule_table(readme: &str) -> String {
    let start = readme.find("<!-- rules:start").expect("README has a rules:start marker");
    let start = start + readme[start..].find('\n').unwrap() + 1;
    let end = readme.find("<!-- rules:end -->").expect("README has a rules:end marker");
    let mut table = String::from("| Rule | Severity | Fix | What it finds |\n|---|---|---|---|\n");
    for r in RULES {
        let fix = if r.fixable { "yes" } else { "no" };
        table.push_str(&format!(
            "| [`{id}`](docs/rules/{id}.md) | {} | {fix} | {} |\n",
            r.default_severity.as_str(),
            r.summary,
            id = r.id
        ));
    }
    format!("{}{table}{}", &readme[..start], &readme[end..])
}
