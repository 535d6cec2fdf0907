#!/usr/bin/env bash
# The project's test command (`npm test`, `.ci/run`): format and lint checks, the type check, then every
# unit test (beside the code) and integration test (test/) with Node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== prettier"; npx prettier --check --log-level warn .
echo "== eslint"; npx eslint --max-warnings 0 .
echo "== tsc"; npx tsc --noEmit
mapfile -t files < <(find cmd internal test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
echo "== node --test (${#files[@]} files)"
# Node ≥ 24 (deploy/local/node.sh: this machine's, else a cached official binary) runs the TypeScript itself,
# as the image does: no tsx anywhere in the run.
# A test that hangs fails after 5 minutes (the slowest takes under one) instead of using up CI's time.
exec bash deploy/local/node.sh --test --test-reporter=spec --test-timeout=300000 "$@" "${files[@]}"
