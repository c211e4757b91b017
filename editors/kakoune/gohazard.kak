# gohazard in kakoune-lsp 18 and newer: source this from your kakrc after kakoune-lsp is loaded
# (after `eval %sh{kak-lsp}`). It replaces kakoune-lsp's default Go hook with one that runs gopls and
# gohazard side by side. `gohazard` must be on PATH.
remove-hooks global lsp-filetype-go
hook -group lsp-filetype-go global BufSetOption filetype=go %{
    set-option buffer lsp_servers %{
        [gopls]
        root_globs = ["go.mod", ".git", ".hg"]
        [gohazard]
        root_globs = ["gohazard.toml", "go.mod", ".git"]
        command = "gohazard"
        args = ["lsp"]
        settings_section = "gohazard"
        [gohazard.settings.gohazard]
        debounceMs = 150
    }
}

# Apply all of gohazard's safe fixes in the buffer.
define-command -override gohazard-fix-all -docstring 'apply all gohazard fixes in the buffer' %{
    lsp-code-actions -auto-single source.fixAll.gohazard
}
