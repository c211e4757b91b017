-- Headless end-to-end test of gohazard in a real Neovim. On 0.11+ it attaches through the shipped
-- lsp/gohazard.lua and vim.lsp.enable; on older versions (0.7 in Debian) through start_client.
--   GOHAZARD_BIN=/path/to/gohazard GOHAZARD_FILE=/tmp/x/mw.go nvim --headless -u NONE -i NONE -n -c 'luafile e2e.lua'
-- It opens a clean middleware, types a second ctx.Next() into the buffer, waits for the
-- diagnostic, requests the quick fix for its range, applies it, waits for the diagnostic to clear,
-- and exits with status 0 (or 1 with a message on stderr).

local bin = assert(os.getenv('GOHAZARD_BIN'), 'GOHAZARD_BIN is not set')
local file = assert(os.getenv('GOHAZARD_FILE'), 'GOHAZARD_FILE is not set')

local function fail(msg)
  io.stderr:write('FAIL: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

local function ok(msg)
  io.stderr:write('ok: ' .. msg .. '\n')
end

-- CI must never hang on a broken editor or server.
vim.defer_fn(function() fail('timed out after 60 s') end, 60000)

-- The LSP diagnostics of a buffer, whether the server pushed them (older Neovim) or Neovim pulled
-- them (0.11+, which the server honours by not pushing): Neovim keeps the raw ones in user_data.
local function lsp_diagnostics(raw, uri, buf)
  if raw[uri] then return raw[uri] end
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.user_data and d.user_data.lsp then table.insert(out, d.user_data.lsp) end
  end
  return out
end

local function run()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'go'

  -- Keep the raw LSP diagnostics: the code action request passes them back in its context.
  local raw = {}
  local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
  local client_id
  if vim.lsp.enable then
    -- Neovim 0.11+: the shipped lsp/gohazard.lua, found on the runtimepath, with only the binary
    -- and the debounce overridden, attached by vim.lsp.enable as a user's config would.
    vim.opt.rtp:prepend(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h'))
    vim.lsp.config('gohazard', {
      cmd = { bin, 'lsp' },
      init_options = { debounceMs = 50 },
      handlers = { ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        raw[result.uri] = result.diagnostics
        return publish(err, result, ctx, config)
      end },
    })
    vim.lsp.enable('gohazard')
    vim.cmd('doautocmd FileType go')
    vim.wait(10000, function() return #vim.lsp.get_clients({ bufnr = buf, name = 'gohazard' }) > 0 end, 50)
    local clients = vim.lsp.get_clients({ bufnr = buf, name = 'gohazard' })
    if #clients == 0 then return fail('vim.lsp.enable did not attach gohazard (lsp/gohazard.lua not found?)') end
    client_id = clients[1].id
    ok('attached through lsp/gohazard.lua and vim.lsp.enable (' .. tostring(vim.version()) .. ')')
  else
    client_id = vim.lsp.start_client({
      name = 'gohazard',
      cmd = { bin, 'lsp' },
      root_dir = vim.fn.fnamemodify(file, ':h'),
      init_options = { debounceMs = 50 },
      handlers = {
        ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
          raw[result.uri] = result.diagnostics
          return publish(err, result, ctx, config)
        end,
      },
    })
    if not client_id then return fail('could not start gohazard lsp') end
    vim.lsp.buf_attach_client(buf, client_id)
  end
  local uri = vim.uri_from_bufnr(buf)

  -- A pushing server reports the clean file explicitly; a pulled one just stays empty.
  vim.wait(vim.lsp.enable and 1500 or 10000, function() return raw[uri] ~= nil end, 50)
  if #lsp_diagnostics(raw, uri, buf) ~= 0 then return fail('the clean file has diagnostics') end
  ok('clean file, no diagnostics')

  -- Type the copy-pasted second Next after the line that logs (as the incident's author did).
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local at
  for i, l in ipairs(lines) do
    if l:find('processing_time', 1, true) then at = i end
  end
  if not at then return fail('fixture has no processing_time line') end
  vim.api.nvim_buf_set_lines(buf, at, at, false, { '\t\tctx.Next()' })

  if not vim.wait(10000, function() return #lsp_diagnostics(raw, uri, buf) > 0 end, 50) then
    return fail('no diagnostic after typing the second ctx.Next()')
  end
  local diag = lsp_diagnostics(raw, uri, buf)[1]
  if diag.code ~= 'double-next' or diag.source ~= 'gohazard' then
    return fail('unexpected diagnostic ' .. vim.inspect(diag))
  end
  if diag.range.start.line ~= at then
    return fail(('diagnostic on line %d, expected %d'):format(diag.range.start.line, at))
  end
  ok('double-next reported while typing, on line ' .. (at + 1))

  local params = { textDocument = { uri = uri }, range = diag.range, context = { diagnostics = { diag } } }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 5000) or {}
  local action
  for _, r in pairs(responses) do
    for _, a in ipairs(r.result or {}) do
      if a.isPreferred then action = a end
    end
  end
  if not action then return fail('no preferred quick fix in ' .. vim.inspect(responses)) end
  local client = vim.lsp.get_client_by_id(client_id)
  if vim.lsp.enable then client.offset_encoding = client.offset_encoding or 'utf-16' end
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  local _, count = text:gsub('ctx%.Next%(%)', '')
  if count ~= 1 then return fail('after the fix the buffer has ' .. count .. ' ctx.Next() calls:\n' .. text) end
  ok('quick fix "' .. action.title .. '" applied')

  if not vim.wait(10000, function() return #lsp_diagnostics(raw, uri, buf) == 0 end, 50) then
    return fail('the diagnostic did not clear after the fix')
  end
  ok('diagnostic cleared')
  vim.lsp.stop_client(client_id)
  vim.cmd('qall!')
end

vim.schedule(function()
  local success, err = pcall(run)
  if not success then fail(tostring(err)) end
end)
