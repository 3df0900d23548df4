#!/usr/bin/env bash
# Installs anvil (a real EVM node, from the npm package @foundry-rs/anvil-linux-amd64 at a pinned version) under
# .tools/anvil for the EVM adapter's integration tests (invoice-chain-adapters/evm, *IT). Idempotent: does nothing
# when the pinned version is already there. Tests start their own anvil on a free port; nothing is started here.
set -euo pipefail
cd "$(dirname "$0")/../.."

ANVIL_PACKAGE="@foundry-rs/anvil-linux-amd64"
ANVIL_VERSION="1.7.1"
PREFIX=".tools/anvil"
BIN="$PREFIX/node_modules/$ANVIL_PACKAGE/bin/anvil"

if [ -x "$BIN" ] && grep -q "\"version\": \"$ANVIL_VERSION\"" "$PREFIX/node_modules/$ANVIL_PACKAGE/package.json" 2>/dev/null; then
  echo "anvil $ANVIL_VERSION already installed: $BIN"
else
  mkdir -p "$PREFIX"
  # A private package.json keeps npm from walking up to another project's; --no-save leaves it untouched.
  [ -f "$PREFIX/package.json" ] || echo '{"name":"coinssend-tools-anvil","private":true}' > "$PREFIX/package.json"
  npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --loglevel=error "$ANVIL_PACKAGE@$ANVIL_VERSION"
  chmod +x "$BIN"
fi
"$BIN" --version
