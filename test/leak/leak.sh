#!/usr/bin/env bash
# Leak check (npm run leak): load → render → close under valgrind, once through the native
# bare loop (the host core alone) and once through the addon in Node. Fails when valgrind finds
# memory definitely lost with one of our functions on the allocation stack. Plugins' own
# one-time allocations (still reachable at exit) and Node's are not ours and are not counted.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
logs="$(mktemp -d)"
valgrind_flags=(--leak-check=full --show-leak-kinds=definite --num-callers=40 --error-limit=no)
zam=/usr/lib/vst3

echo "leak check 1/2: native host core (bare loop: create, render 2 s, destroy)"
valgrind "${valgrind_flags[@]}" --log-file="$logs/native.log" \
  build/bench/mixchain-bare-loop --seconds 2 --block 1024 \
  "$zam/ZamEQ2.vst3" "$zam/ZaMaximX2.vst3" "$zam/ZamVerb.vst3" >/dev/null 2>&1

echo "leak check 2/2: the addon in Node (test/leak/scenario.mjs)"
valgrind "${valgrind_flags[@]}" --log-file="$logs/node.log" node test/leak/scenario.mjs >/dev/null 2>&1

status=0
for log in "$logs/native.log" "$logs/node.log"; do
  # Each loss record runs from "definitely lost" to the next blank line.
  ours=$(awk '/definitely lost in loss record/{record=$0; keep=0; next} record!="" && /(mixchain::|native\/(host|addon|audio)\/)/{keep=1} record!="" && /^==[0-9]+== $/{if (keep) print record; record=""}' "$log")
  summary=$(grep -E 'definitely lost:' "$log" | tail -1 | sed 's/^==[0-9]*== *//')
  echo "  $(basename "$log" .log): ${summary:-no leak summary}"
  if [ -n "$ours" ]; then
    echo "  leaks in our code:"
    echo "$ours" | sed 's/^/    /'
    status=1
  fi
done
[ $status -eq 0 ] && echo "no leak in our code" || echo "full logs: $logs"
exit $status
