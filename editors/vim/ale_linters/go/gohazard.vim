" ALE linter for gohazard (https://github.com/gohazard/gohazard): concurrency and resource hazards
" in Go, as you type. Put the folder holding `ale_linters/` on the runtimepath (or copy this file to
" ~/.vim/ale_linters/go/gohazard.vim) and add 'gohazard' to g:ale_linters.go.

" The binary; an absolute path works too.
call ale#Set('go_gohazard_executable', 'gohazard')
" Settings sent as initializationOptions (see docs/editors.md, "Settings").
call ale#Set('go_gohazard_init_options', {})
" Settings sent through workspace/didChangeConfiguration; same keys.
call ale#Set('go_gohazard_config', {})

" The folder holding gohazard.toml or go.mod, else the git root, else the file's folder (ALE does not
" start a language server without a project root).
function! ale_linters#go#gohazard#FindProjectRoot(buffer) abort
    for l:marker in ['gohazard.toml', 'go.mod']
        let l:found = ale#path#FindNearestFile(a:buffer, l:marker)

        if !empty(l:found)
            return fnamemodify(l:found, ':h')
        endif
    endfor

    let l:git = ale#path#FindNearestDirectory(a:buffer, '.git')

    if !empty(l:git)
        return fnamemodify(l:git, ':h:h')
    endif

    return fnamemodify(bufname(a:buffer), ':p:h')
endfunction

call ale#linter#Define('go', {
\   'name': 'gohazard',
\   'lsp': 'stdio',
\   'executable': {b -> ale#Var(b, 'go_gohazard_executable')},
\   'command': '%e lsp',
\   'project_root': function('ale_linters#go#gohazard#FindProjectRoot'),
\   'initialization_options': {b -> ale#Var(b, 'go_gohazard_init_options')},
\   'lsp_config': {b -> ale#Var(b, 'go_gohazard_config')},
\})
