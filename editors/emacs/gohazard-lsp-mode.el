;;; gohazard-lsp-mode.el --- gohazard in lsp-mode, next to gopls  -*- lexical-binding: t -*-
;; Load this file from your init file, or paste its forms there.  `gohazard' must be on `exec-path'.

(with-eval-after-load 'lsp-mode
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection '("gohazard" "lsp"))
    :activation-fn (lsp-activate-on "go")
    :server-id 'gohazard
    ;; An add-on server runs next to the main one (gopls) in the same buffer.
    :add-on? t
    :priority -2
    ;; Settings: see docs/editors.md ("Settings").
    :initialization-options (lambda () '(:debounceMs 150)))))

(add-hook 'go-mode-hook #'lsp-deferred)
(add-hook 'go-ts-mode-hook #'lsp-deferred)

;; M-x lsp-execute-code-action on a diagnostic offers the quick fixes; this command applies every
;; safe fix in the buffer.
(defun gohazard-fix-all ()
  "Apply all of gohazard's safe fixes to the current buffer."
  (interactive)
  (lsp-execute-code-action-by-kind "source.fixAll.gohazard"))

;;; gohazard-lsp-mode.el ends here
