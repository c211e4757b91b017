" Headless end-to-end test of gohazard in a real Vim with ALE, using ../ale_linters/go/gohazard.vim.
"   GOHAZARD_BIN=/path/to/gohazard vim -N -u e2e.vim -i NONE -n -Es /tmp/x/mw.go
" It opens a clean middleware, types a second ctx.Next() into the buffer, waits for ALE's
" diagnostic, asks for code actions at the diagnostic with ale#codefix#Execute (a zero-width range,
" so ALE passes back the diagnostic's code, message and range only), applies the preferred one with
" ALE's own ale#codefix#ApplyLSPCodeAction, checks the buffer text and waits for the diagnostic to
" clear. Exits 0, or 1 with a message on stderr.
set nocompatible
let s:here = expand('<sfile>:p:h')
" Debian's vim-ale is an optional package; elsewhere use your plugin manager.
packadd! ale
" The shipped linter definition.
execute 'set runtimepath^=' . fnameescape(fnamemodify(s:here, ':h'))
filetype plugin on
syntax off

let g:ale_linters = {'go': ['gohazard']}
let g:ale_go_gohazard_executable = $GOHAZARD_BIN
let g:ale_go_gohazard_init_options = {'debounceMs': 50}
let g:ale_lint_on_enter = 1
let g:ale_history_enabled = 1
let g:ale_history_log_output = 1

function! s:Log(msg) abort
    call writefile([a:msg], '/dev/stderr', 'a')
endfunction

function! s:Fail(msg) abort
    call s:Log('FAIL: ' . a:msg)
    for l:h in get(g:, 'ale_history', [])
        call s:Log('  ale history: ' . string(l:h)[:300])
    endfor
    cquit 1
endfunction

function! s:Wait(ms, expr) abort
    let l:waited = 0
    while !eval(a:expr) && l:waited < a:ms
        sleep 50m
        let l:waited += 50
    endwhile
    return eval(a:expr)
endfunction

function! s:Diags() abort
    return filter(copy(ale#engine#GetLoclist(bufnr(''))), 'v:val.linter_name is# ''gohazard''')
endfunction

let s:published = 0
function! s:OnMessage(conn_id, message) abort
    if get(a:message, 'method', '') is# 'textDocument/publishDiagnostics'
        let s:published += 1
    endif
endfunction

let s:actions = v:null
function! s:OnActions(data, items) abort
    let s:data = a:data
    let s:actions = a:items
endfunction

function! s:Run() abort
    if $GOHAZARD_BIN is# ''
        return s:Fail('GOHAZARD_BIN is not set')
    endif
    if &filetype isnot# 'go'
        return s:Fail('the file has filetype ' . string(&filetype) . ', not go')
    endif
    call s:Log('ok: ' . split(execute('version'), "\n")[0] . ', ALE linters for go: '
    \   . string(map(ale#linter#Get('go'), 'v:val.name')))

    " ALE lints on TextChanged; Ex mode runs no command loop, so ask it as the autocommand would.
    ALELint
    " ALELint registers the connection before it starts the server: watch what the server publishes.
    let l:conns = keys(ale#lsp#GetConnections())
    if len(l:conns) != 1
        return s:Fail('expected one ALE language server connection, got ' . string(l:conns))
    endif
    call ale#lsp#RegisterCallback(l:conns[0], function('s:OnMessage'))
    if !s:Wait(10000, 's:published > 0')
        return s:Fail('the server published no diagnostics for the clean file')
    endif
    if !s:Wait(5000, '!ale#engine#IsCheckingBuffer(bufnr(""))') || !empty(s:Diags())
        return s:Fail('the clean file has diagnostics: ' . string(s:Diags()))
    endif
    if !ale#lsp#HasCapability(l:conns[0], 'code_actions')
        return s:Fail('ALE sees no code action capability in the server')
    endif
    call s:Log('ok: server initialized with code actions; clean file, no diagnostics')

    " Type the copy-pasted second Next after the line that logs (as the incident's author did).
    let l:at = search('processing_time', 'w')
    if l:at == 0
        return s:Fail('fixture has no processing_time line')
    endif
    call append(l:at, "\t\tctx.Next()")
    ALELint
    if !s:Wait(10000, '!empty(s:Diags())')
        return s:Fail('no diagnostic after typing the second ctx.Next()')
    endif
    let l:diag = s:Diags()[0]
    if get(l:diag, 'code', '') isnot# 'double-next' || l:diag.lnum != l:at + 1
        return s:Fail('unexpected diagnostic ' . string(l:diag) . ', expected double-next on line ' . (l:at + 1))
    endif
    call s:Log('ok: ALE shows [' . l:diag.code . '] on line ' . l:diag.lnum . ': ' . l:diag.text)

    " The cursor on the diagnostic (as :ALENext leaves it), a zero-width range there.
    call cursor(l:diag.lnum, l:diag.col)
    call setpos("'<", [0, l:diag.lnum, l:diag.col, 0])
    call setpos("'>", [0, l:diag.lnum, l:diag.col, 0])
    call ale#codefix#Execute(1, function('s:OnActions'))
    if !s:Wait(5000, 's:actions isnot v:null')
        return s:Fail('no answer to the code action request')
    endif
    let l:preferred = filter(map(copy(s:actions), 'v:val[1]'), 'get(v:val, ''isPreferred'', 0) is v:true')
    if empty(l:preferred)
        return s:Fail('no preferred quick fix in ' . string(s:actions))
    endif
    call s:Log('ok: code actions: ' . string(map(copy(s:actions), 'v:val[1].title')))
    call ale#codefix#ApplyLSPCodeAction(s:data, l:preferred[0])

    let l:text = join(getline(1, '$'), "\n")
    let l:count = count(l:text, 'ctx.Next()')
    if l:count != 1
        return s:Fail('after the fix the buffer has ' . l:count . " ctx.Next() calls:\n" . l:text)
    endif
    call s:Log('ok: quick fix "' . l:preferred[0].title . '" applied')

    ALELint
    if !s:Wait(10000, 'empty(s:Diags()) && !ale#engine#IsCheckingBuffer(bufnr(""))')
        return s:Fail('the diagnostic did not clear after the fix: ' . string(s:Diags()))
    endif
    call s:Log('ok: diagnostic cleared')
    qall!
endfunction

" CI must never hang on a broken editor or server.
call timer_start(60000, {-> s:Fail('timed out after 60 s')})
autocmd VimEnter * try | call s:Run() | catch | call s:Fail(v:exception . ' at ' . v:throwpoint) | endtry
