//! `go.mod` facts the analysis cares about: the `go` directive of the module a file belongs to.
//!
//! The command line and the language server both need "which Go version does this file's module
//! declare?" (a rule may only suggest `for range n` or rely on per-iteration loop variables when the
//! module is on Go 1.22 or newer). Go finds a file's module by walking up from the file's directory
//! to the nearest `go.mod`; [`GoVersions`] does the same and caches every directory it visits, so a
//! tree of ten thousand files costs one `go.mod` read per module and one `stat` per directory.

use std::path::{Path, PathBuf};

use dashmap::DashMap;

/// The name of the module file.
pub const GO_MOD: &str = "go.mod";

/// Reads the `go` directive of a `go.mod` text as (major, minor): `go 1.22` and `go 1.21.3` give
/// (1, 22) and (1, 21); release-candidate suffixes (`go 1.21rc1`) are ignored. `None` when there is
/// no directive or it is not a version (the go command then assumes 1.16, but a rule should not
/// rely on a guess).
pub fn parse_go_directive(text: &str) -> Option<(u32, u32)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().find_map(|line| {
        // Comments run to the end of the line; the directive is the line's first word.
        let line = line.split("//").next().unwrap_or("").trim();
        let rest = line.strip_prefix("go")?;
        if !rest.starts_with([' ', '\t']) {
            return None; // `godebug`, `go1.22` and the like are other directives or garbage.
        }
        parse_version(rest.trim())
    })
}

/// `1.22`, `1.21.3`, `1.21rc1` to (major, minor).
fn parse_version(v: &str) -> Option<(u32, u32)> {
    let v = v.trim_matches('"');
    let mut parts = v.splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?;
    let digits = minor.find(|c: char| !c.is_ascii_digit()).unwrap_or(minor.len());
    let minor = minor[..digits].parse().ok()?;
    Some((major, minor))
}

/// The Go version declared by the module of each directory, cached per directory.
///
/// Keys are absolute directories (made absolute lexically, without resolving symbolic links, as the
/// go command does with its working directory). Safe to share between threads.
#[derive(Debug, Default)]
pub struct GoVersions {
    by_dir: DashMap<PathBuf, Option<(u32, u32)>>,
}

impl GoVersions {
    pub fn new() -> Self {
        Self::default()
    }

    /// The `go` directive of the nearest `go.mod` in the directory of `file` or above it.
    pub fn for_file(&self, file: &Path) -> Option<(u32, u32)> {
        self.for_dir(file.parent().unwrap_or(Path::new("")))
    }

    /// The `go` directive of the nearest `go.mod` in `dir` or above it.
    pub fn for_dir(&self, dir: &Path) -> Option<(u32, u32)> {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let abs = std::path::absolute(dir).ok()?;
        // Walk up until a cached answer or a go.mod; every directory passed on the way gets the
        // same answer, so siblings and children later stop at the first step.
        let mut visited = Vec::new();
        let mut answer = None;
        for d in abs.ancestors() {
            if let Some(v) = self.by_dir.get(d) {
                answer = *v;
                break;
            }
            visited.push(d.to_path_buf());
            let go_mod = d.join(GO_MOD);
            if go_mod.is_file() {
                answer = std::fs::read_to_string(&go_mod).ok().as_deref().and_then(parse_go_directive);
                break;
            }
        }
        for d in visited {
            self.by_dir.insert(d, answer);
        }
        answer
    }

    /// Forgets everything, for when a `go.mod` was created, changed or deleted.
    pub fn clear(&self) {
        self.by_dir.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_directives() {
        assert_eq!(parse_go_directive("module example.com/a\n\ngo 1.22\n"), Some((1, 22)));
        assert_eq!(parse_go_directive("module a\r\ngo 1.21.3\r\ntoolchain go1.22.1\r\n"), Some((1, 21)));
        assert_eq!(parse_go_directive("\u{feff}go\t1.23rc1 // the new one\n"), Some((1, 23)));
        assert_eq!(parse_go_directive("module a\n// go 1.20\ngodebug default=go1.21\n"), None);
        assert_eq!(parse_go_directive("module a\ngo 1\n"), None);
        assert_eq!(parse_go_directive("module a\ngo one.two\n"), None);
        assert_eq!(parse_go_directive(""), None);
    }

    #[test]
    fn nearest_go_mod_wins_and_answers_are_cached() {
        let dir = std::env::temp_dir().join(format!("gohazard-gomod-{}", std::process::id()));
        let nested = dir.join("svc/internal/deep");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(dir.join("go.mod"), "module a\ngo 1.20\n").unwrap();
        std::fs::write(dir.join("svc/go.mod"), "module a/svc\ngo 1.22.1\n").unwrap();
        let versions = GoVersions::new();
        assert_eq!(versions.for_file(&nested.join("x.go")), Some((1, 22)));
        assert_eq!(versions.for_file(&dir.join("main.go")), Some((1, 20)));
        // The cache answers even once the file is gone, until cleared.
        std::fs::remove_file(dir.join("svc/go.mod")).unwrap();
        assert_eq!(versions.for_dir(&nested), Some((1, 22)));
        versions.clear();
        assert_eq!(versions.for_dir(&nested), Some((1, 20)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
