-- gohazard for Neovim 0.11+: put this folder on the runtimepath (or copy this file to
-- ~/.config/nvim/lsp/gohazard.lua) and call vim.lsp.enable('gohazard').
return {
  cmd = { 'gohazard', 'lsp' },
  filetypes = { 'go' },
  root_markers = { 'gohazard.toml', 'go.mod', '.git' },
  -- Settings: see the README ("Editors"). debounceMs is the delay after the last keystroke.
  init_options = { debounceMs = 150 },
  settings = { gohazard = {} },
}
