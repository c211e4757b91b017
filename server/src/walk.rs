//! Finding the Go files of a workspace: the one walker that the command line and the language
//! server's workspace scan share, so both see the same files.

use std::path::{Path, PathBuf};

/// Directories never walked into: vendored and test-data code is not the team's to fix.
pub const SKIPPED_DIRS: &[&str] = &["vendor", "testdata", "node_modules"];

/// Expands paths into Go files, in a stable order. Directories are walked honouring `.gitignore`
/// (in or out of a git repository) and skipping hidden directories and [`SKIPPED_DIRS`]; a file
/// named explicitly is always included. Problems (missing paths, unreadable directories, symlink
/// loops) are returned as messages and never stop the walk.
pub fn go_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            errors.push(format!("{}: no such file or directory", path.display()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path).require_git(false).filter_entry(|e| !is_skipped_dir(e)).build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) && is_go_file(e.path()) => {
                    files.push(e.into_path())
                }
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn is_skipped_dir(e: &ignore::DirEntry) -> bool {
    e.depth() > 0
        && e.file_type().is_some_and(|t| t.is_dir())
        && e.file_name().to_str().is_some_and(|n| SKIPPED_DIRS.contains(&n))
}

pub fn is_go_file(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "go")
}

/// Whether a path lies in a directory the walk would skip, relative to `root`. The server uses it
/// for file-watcher events, which arrive for every file.
pub fn is_excluded(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return true };
    let mut parts: Vec<_> = rel.components().filter_map(|c| c.as_os_str().to_str()).collect();
    parts.pop();
    parts.iter().any(|p| SKIPPED_DIRS.contains(p) || p.starts_with('.'))
}
