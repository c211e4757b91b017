#!/usr/bin/env bash
# Runs the headless Neovim test against a gohazard binary. Usage: run.sh [path/to/gohazard]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../../target/release/gohazard}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Neovim writes logs and state; keep them out of the user's home.
export XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
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
nvim=${NVIM:-nvim}
echo "== $("$nvim" --version | head -n 1) with $bin"
GOHAZARD_BIN=$bin GOHAZARD_FILE=$work/mw.go timeout 90 "$nvim" --headless -u NONE -i NONE -n -c "luafile $here/e2e.lua"
echo "== neovim end-to-end test passed"
