#!/usr/bin/env bash
# The package as a dependency gets it: packs the checkout, installs the tarball into a fresh
# project (the package's install script builds the addon and MixchainFX.vst3 in one cmake-js
# build; no node-gyp), then runs the CLI and the library from that project.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
app="$scratch/app"
mkdir "$app" "$scratch/synced"
# No synced bundles: everything the default recipe needs must come from the system or the package.
export VST_LINUX_DIR="$scratch/synced"
step=$SECONDS
lap() { echo "pack-install: $1 ($((SECONDS - step)) s)"; step=$SECONDS; }
check() { "$@" || { echo "pack-install: failed: $*" >&2; exit 1; }; }

(cd "$root" && npm pack --silent --pack-destination "$app")  # prepack builds dist/
tarball="$(cd "$app" && echo mixchain-*.tgz)"
tar -tzf "$app/$tarball" > "$scratch/contents"
grep -qx 'package/dist/cli/main.js' "$scratch/contents" || { echo "pack-install: $tarball lacks dist/" >&2; exit 1; }
if grep -q '^package/test/' "$scratch/contents"; then echo "pack-install: $tarball contains test/" >&2; exit 1; fi
lap "packed $tarball with dist/ and without test/"

cd "$app"
# allowScripts: npm asks a project to approve its dependencies' install scripts (a tarball is
# known by its file: spec).
echo "{ \"name\": \"mixchain-package-test\", \"private\": true, \"allowScripts\": { \"file:$app/$tarball\": true, \"better-sqlite3\": true } }" > package.json
if ! npm install --no-audit --no-fund --foreground-scripts "./$tarball" > install.log 2>&1; then
  cat install.log >&2
  echo "pack-install: npm install ./$tarball failed" >&2
  exit 1
fi
installed="$app/node_modules/mixchain"
# One build: cmake-js made the addon and the effects; node-gyp (npm's default) never ran.
for artefact in mixchain.node MixchainFX.so; do
  count="$(grep -c "Linking CXX .*$artefact\$" install.log || true)"
  [ "$count" = 1 ] || { cat install.log >&2; echo "pack-install: $artefact linked $count times" >&2; exit 1; }
done
# node-gyp may build dependencies (better-sqlite3), never mixchain itself: its build is cmake-js's.
check test ! -e "$installed/build/config.gypi"
check test -f "$installed/build/CMakeCache.txt"
check test -f "$installed/build/Release/mixchain.node"
check test -f "$installed/build/plugins/MixchainFX.vst3/Contents/x86_64-linux/MixchainFX.so"
check test ! -e "$installed/build/test-plugins"
lap "npm install ./$tarball built the addon and MixchainFX.vst3 once, with cmake-js only"

npx mixchain recipes --json | node "$root/test/package/check-recipes.mjs" "$installed"
lap "npx mixchain recipes --json"

npx mixchain demo -o "$scratch/demo.wav" > demo.log
check test -s "$scratch/demo.wav"
check grep -q '^loudness ' demo.log
lap "npx mixchain demo rendered its mix"

cp "$root/test/package/mix.mjs" .
node mix.mjs
lap "import { renderMix } from 'mixchain' with the doubler and the robot"
cp "$root/test/package/serve.mjs" .
node serve.mjs
lap "import { buildApp } from 'mixchain/server' answers"
echo "pack-install: ok"
