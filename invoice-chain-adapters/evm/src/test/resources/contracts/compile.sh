#!/usr/bin/env bash
# Recompiles TestToken.sol into TestToken.bin and TestToken.abi (checked in; tests deploy the .bin and need no
# compiler). Uses solc-js from the npm registry at a pinned version, in a throw-away directory.
#   bash invoice-chain-adapters/evm/src/test/resources/contracts/compile.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
SOLC_VERSION="0.8.28"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm install --prefix "$work" --no-save --no-audit --no-fund --loglevel=error "solc@$SOLC_VERSION"
cp "$here/TestToken.sol" "$work/"
(cd "$work" && node_modules/.bin/solcjs --bin --abi --optimize --optimize-runs 200 -o out TestToken.sol)
cp "$work/out/TestToken_sol_TestToken.bin" "$here/TestToken.bin"
cp "$work/out/TestToken_sol_TestToken.abi" "$here/TestToken.abi"
echo "compiled with solc-js $SOLC_VERSION: $(wc -c < "$here/TestToken.bin") hex characters of bytecode"
