#!/usr/bin/env bash
# Runs the headless Vim + ALE test against a gohazard binary. Usage: run.sh [path/to/gohazard]
# Exit status: 0 passed, 1 failed, 3 Vim/ALE could not be installed (the test did not run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../../target/release/gohazard}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "FAIL: $bin is not an executable gohazard binary" >&2; exit 1; }

have_ale() {
  command -v vim >/dev/null 2>&1 && [ -f /usr/share/vim-ale/autoload/ale.vim ]
}
if ! have_ale; then
  echo "== installing vim vim-ale"
  (apt-get -o DPkg::Lock::Timeout=300 update -qq &&
     DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq vim vim-ale) >/dev/null 2>&1 || true
  have_ale || { echo "SKIP: Vim with ALE (Debian's vim-ale) could not be installed" >&2; exit 3; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
echo "== $(vim --version | head -n 1) with $bin"
status=0
(cd "$work" && GOHAZARD_BIN=$bin timeout 90 vim -N -u "$here/e2e.vim" -i NONE -n -Es mw.go </dev/null) || status=$?
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 124 ] && echo "FAIL: Vim did not finish within 90 s" >&2
  echo "FAIL: the Vim (ALE) end-to-end test failed (status $status)" >&2
  exit 1
fi
echo "== vim (ale) end-to-end test passed"
