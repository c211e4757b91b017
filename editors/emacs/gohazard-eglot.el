;;; gohazard-eglot.el --- gohazard in Eglot (Emacs 26.3+ with the eglot package, built in since Emacs 29)  -*- lexical-binding: t -*-
;; Load this file from your init file, or paste its forms there.  `gohazard' must be on `exec-path'.
;; Eglot runs one server per buffer: for Go buffers this replaces gopls (see docs/editors.md).

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((go-mode go-ts-mode)
                 . ("gohazard" "lsp"
                    ;; Settings: see docs/editors.md ("Settings").
                    :initializationOptions (:debounceMs 150)))))

(add-hook 'go-mode-hook #'eglot-ensure)
(add-hook 'go-ts-mode-hook #'eglot-ensure)

;; M-x eglot-code-actions (or eglot-code-action-quickfix) on a diagnostic offers the quick fixes;
;; this command applies every safe fix in the buffer.
(defun gohazard-fix-all ()
  "Apply all of gohazard's safe fixes to the current buffer."
  (interactive)
  (eglot-code-actions (point-min) (point-max) "source.fixAll.gohazard" t))

;;; gohazard-eglot.el ends here
