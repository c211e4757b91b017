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
    assert!(stale.is_empty(), "stale rule pages, run `GOHAZARD_UPDATE_DOCS=1 cargo test --test docs`: {stale:?}");
}
