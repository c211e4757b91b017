//! Zed extension: starts `gohazard lsp` for Go files. The binary is `lsp.gohazard.binary.path` from
//! the settings when set, else `gohazard` from the worktree's PATH.
use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result};

struct Gohazard;

impl zed::Extension for Gohazard {
    fn new() -> Self {
        Gohazard
    }

    fn language_server_command(&mut self, id: &LanguageServerId, worktree: &zed::Worktree) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(id.as_ref(), worktree).ok().and_then(|s| s.binary);
        let command = binary
            .as_ref()
            .and_then(|b| b.path.clone())
            .or_else(|| worktree.which("gohazard"))
            .ok_or_else(|| "gohazard is not on PATH: install it (cargo install --path server) or set lsp.gohazard.binary.path".to_string())?;
        let args = binary.and_then(|b| b.arguments).unwrap_or_else(|| vec!["lsp".into()]);
        Ok(zed::Command { command, args, env: worktree.shell_env() })
    }

    fn language_server_initialization_options(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree(id.as_ref(), worktree).ok().and_then(|s| s.initialization_options))
    }

    fn language_server_workspace_configuration(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree(id.as_ref(), worktree).ok().and_then(|s| s.settings))
    }
}

zed::register_extension!(Gohazard);
