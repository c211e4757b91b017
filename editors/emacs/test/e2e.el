;;; e2e.el --- headless end-to-end test of gohazard in a real Emacs with Eglot  -*- lexical-binding: t -*-
;;   GOHAZARD_BIN=/path/to/gohazard GOHAZARD_FILE=/tmp/x/mw.go emacs --batch -l e2e.el
;; It loads ../gohazard-eglot.el, opens a clean middleware with go-mode + Eglot, types a
;; second ctx.Next() into the buffer, waits for the Flymake diagnostic, runs the interactive
;; `eglot-code-actions' command on it (accepting the default, preferred action, as RET does),
;; checks the buffer text, waits for the diagnostic to clear, then applies `source.fixAll.gohazard'
;; the same way.  Exits 0, or 1 with a message on stderr.

(require 'package)
(package-activate-all)                  ; Debian's elpa-* packages live in /usr/share/emacs/site-lisp/elpa
(require 'cl-lib)
(require 'subr-x)

(defvar e2e-bin (or (getenv "GOHAZARD_BIN") (error "GOHAZARD_BIN is not set")))
(defvar e2e-dir (file-name-directory (or load-file-name buffer-file-name)))
(defvar e2e-file (or (getenv "GOHAZARD_FILE") (error "GOHAZARD_FILE is not set")))

(defun e2e-fail (fmt &rest args)
  (message "FAIL: %s" (apply #'format fmt args))
  ;; The tail of Eglot's JSON-RPC log says what the server sent, or did not.
  (when-let ((server (and (fboundp 'eglot-current-server) (ignore-errors (eglot-current-server))))
             (events (ignore-errors (jsonrpc-events-buffer server))))
    (with-current-buffer events
      (message "--- last Eglot events:\n%s"
               (buffer-substring-no-properties (max (point-min) (- (point-max) 3000)) (point-max)))))
  (kill-emacs 1))

(defun e2e-ok (fmt &rest args)
  (message "ok: %s" (apply #'format fmt args)))

(defun e2e-wait (secs pred)
  "Let timers and process output run until PRED is non-nil or SECS pass; return PRED's value."
  (let ((deadline (+ (float-time) secs)) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    v))

;; Eglot sends didChange, and Flymake asks for diagnostics, on idle timers; batch mode never runs a
;; command loop, so it is never idle.  Do what the idle timers would after a pause in typing.
(defun e2e-idle ()
  (when (and (boundp 'eglot--change-idle-timer) eglot--change-idle-timer)
    (timer-event-handler eglot--change-idle-timer))
  (flymake-start))

;; CI must never hang on a broken editor or server (timers run while we wait for output).
(run-at-time 60 nil (lambda () (e2e-fail "timed out after 60 s")))

(condition-case err
    (progn
      (require 'go-mode)
      (require 'eglot)
      (e2e-ok "Eglot %s, go-mode %s, %s"
              (or (ignore-errors (package-desc-version (cadr (assq 'eglot package-alist)))) "?")
              (or (ignore-errors (package-desc-version (cadr (assq 'go-mode package-alist)))) "?")
              (emacs-version))

      ;; The shipped configuration, as a user loads it (run.sh puts `gohazard' on PATH).
      (load (expand-file-name "../gohazard-eglot.el" e2e-dir) nil t)
      (unless (equal (executable-find "gohazard") e2e-bin)
        (e2e-fail "`gohazard' on exec-path is %S, expected %s" (executable-find "gohazard") e2e-bin))

      (find-file e2e-file)
      (unless (eq major-mode 'go-mode) (e2e-fail "%s opened in %s, not go-mode" e2e-file major-mode))
      ;; `eglot-ensure' waits for a command loop that batch mode never runs: start it as M-x eglot does.
      (apply #'eglot (eglot--guess-contact))
      (unless (e2e-wait 10 (lambda () (and (eglot-current-server)
                                           (jsonrpc-running-p (eglot-current-server)))))
        (e2e-fail "Eglot did not connect to %s lsp" e2e-bin))
      (unless (eglot-managed-p) (e2e-fail "the buffer is not managed by Eglot"))
      (e2e-ok "Eglot connected to %s" (eglot--server-info (eglot-current-server)))
      (flymake-start)

      (defun e2e-diags ()
        (cl-remove-if-not (lambda (d) (string-match-p "gohazard" (flymake-diagnostic-text d)))
                          (flymake-diagnostics (point-min) (point-max))))

      ;; Type the copy-pasted second Next after the line that logs (as the incident's author did).
      (goto-char (point-min))
      (unless (search-forward "processing_time" nil t) (e2e-fail "fixture has no processing_time line"))
      (end-of-line)
      (insert "\n\t\tctx.Next()")
      (let ((line (line-number-at-pos)))
        (unless (e2e-wait 15 (lambda () (e2e-idle) (e2e-diags)))
          (e2e-fail "no Flymake diagnostic after typing the second ctx.Next()"))
        (let* ((diag (car (e2e-diags)))
               (dline (line-number-at-pos (flymake-diagnostic-beg diag))))
          (unless (string-match-p "\\[double-next\\]" (flymake-diagnostic-text diag))
            (e2e-fail "unexpected diagnostic %S" (flymake-diagnostic-text diag)))
          (unless (= dline line) (e2e-fail "diagnostic on line %d, expected %d" dline line))
          (e2e-ok "Flymake shows %S on line %d" (flymake-diagnostic-text diag) dline)

          ;; The user's command: M-x eglot-code-actions on the diagnostic, RET on the default.
          ;; `last-nonmenu-event' is a key, as after M-x, so Eglot prompts in the minibuffer.
          (let ((last-nonmenu-event ?\r) offered chosen)
            (cl-letf (((symbol-function 'completing-read)
                       (lambda (_prompt collection &rest args)
                         (setq offered (mapcar #'car collection)
                               chosen (nth 4 args)) ; DEF, what RET picks: the preferred action
                         chosen)))
              (eglot-code-actions (flymake-diagnostic-beg diag) (flymake-diagnostic-end diag) nil t))
            (unless (and chosen (string-match-p "Remove the extra" chosen))
              (e2e-fail "the default code action is %S, expected the preferred quick fix; offered %S"
                        chosen offered))
            (e2e-ok "code actions offered: %S; RET applies %S" offered chosen))))
      (let ((count (how-many "ctx\\.Next()" (point-min) (point-max))))
        (unless (= count 1)
          (e2e-fail "after the fix the buffer has %d ctx.Next() calls:\n%s" count (buffer-string))))
      (e2e-ok "quick fix applied, one ctx.Next() left")
      (unless (e2e-wait 15 (lambda () (e2e-idle) (null (e2e-diags))))
        (e2e-fail "the diagnostic did not clear after the fix: %S"
                  (mapcar #'flymake-diagnostic-text (e2e-diags))))
      (e2e-ok "diagnostic cleared")

      ;; Fix all: type the bug again and ask for the source.fixAll.gohazard action of the buffer.
      (goto-char (point-min))
      (search-forward "processing_time")
      (end-of-line)
      (insert "\n\t\tctx.Next()")
      (unless (e2e-wait 15 (lambda () (e2e-idle) (e2e-diags)))
        (e2e-fail "no diagnostic after typing the second ctx.Next() again"))
      (gohazard-fix-all)                ; from ../gohazard-eglot.el
      (let ((count (how-many "ctx\\.Next()" (point-min) (point-max))))
        (unless (= count 1)
          (e2e-fail "after fix-all the buffer has %d ctx.Next() calls:\n%s" count (buffer-string))))
      (unless (e2e-wait 15 (lambda () (e2e-idle) (null (e2e-diags))))
        (e2e-fail "the diagnostic did not clear after fix-all"))
      (e2e-ok "source.fixAll.gohazard applied, diagnostic cleared")

      (set-buffer-modified-p nil)
      (let ((eglot-autoshutdown nil)) (ignore-errors (eglot-shutdown (eglot-current-server))))
      (kill-emacs 0))
  (error (e2e-fail "%s" (error-message-string err))))
