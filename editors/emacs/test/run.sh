#!/usr/bin/env bash
# Runs the headless Emacs + Eglot test against a gohazard binary. Usage: run.sh [path/to/gohazard]
# Exit status: 0 passed, 1 failed, 3 Emacs/Eglot could not be installed (the test did not run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../../target/release/gohazard}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "FAIL: $bin is not an executable gohazard binary" >&2; exit 1; }

have_eglot() {
  command -v emacs >/dev/null 2>&1 &&
    emacs --batch --eval "(progn (require 'package) (package-activate-all) (require 'eglot) (require 'go-mode))" >/dev/null 2>&1
}
if ! have_eglot; then
  echo "== installing emacs-nox elpa-eglot elpa-go-mode"
  (apt-get -o DPkg::Lock::Timeout=300 update -qq &&
     DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq emacs-nox elpa-eglot elpa-go-mode) >/dev/null 2>&1 || true
  have_eglot || { echo "SKIP: Emacs with Eglot and go-mode could not be installed" >&2; exit 3; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Emacs writes state (eln-cache, auto-saves, eglot events); keep it out of the user's home.
mkdir -p "$work/home"
export HOME=$work/home XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
cat > "$work/mw.go" <<'GO'
package mw

import (
	"time"

	"github.com/gin-gonic/gin"
)

func LoggingMiddleware() gin.HandlerFunc {
	return func(ctx *gin.Context) {
		ctx.Set("start", time.Now().UnixMilli())
		ctx.Next()
		ctx.Set("processing_time", time.Now().UnixMilli()-ctx.GetInt64("start"))
	}
}
GO
# The shipped configuration runs `gohazard` from PATH: put the binary under test there.
mkdir -p "$work/bin" && ln -s "$bin" "$work/bin/gohazard"
export PATH=$work/bin:$PATH
echo "== $(emacs --version | head -n 1) with $bin"
status=0
GOHAZARD_BIN=$work/bin/gohazard GOHAZARD_FILE=$work/mw.go timeout 90 emacs --batch -l "$here/e2e.el" </dev/null || status=$?
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 124 ] && echo "FAIL: Emacs did not finish within 90 s" >&2
  echo "FAIL: the Emacs (Eglot) end-to-end test failed (status $status)" >&2
  exit 1
fi
echo "== emacs (eglot) end-to-end test passed"
