#!/usr/bin/env bash
# Builds the addon with node-gyp from binding.gyp, in a scratch copy so the cmake-js build in
# build/ is untouched, and loads the result: proves binding.gyp still builds the same addon.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$root/binding.gyp" "$root/native" "$root/package.json" "$scratch/"
ln -s "$root/node_modules" "$scratch/node_modules"
cd "$scratch"
JOBS=2 node-gyp rebuild --loglevel=warn
node -e "
const addon = require('./build/Release/mixchain.node');
for (const name of ['createPlugin', 'createPluginAsync', 'scanBundle', 'readAudioFile', 'writeAudioFile'])
  if (typeof addon[name] !== 'function') throw new Error('node-gyp build lacks ' + name);
console.log('binding.gyp: the node-gyp build loads and exports the addon API');
"
