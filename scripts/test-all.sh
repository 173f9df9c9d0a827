#!/usr/bin/env bash
# Runs every test: unit tests (vitest, Node, tfjs cpu backend) then browser tests (Playwright, Chromium).
# Prints one closing line "N passed, N failed" with the totals of both.
set -u
cd "$(dirname "$0")/.."
# Not test-results/: Playwright empties that folder when it starts.
mkdir -p .reports
unit_json=.reports/vitest.json
e2e_json=.reports/playwright.json
rm -f "$unit_json" "$e2e_json"

npx vitest run --reporter=default --reporter=json --outputFile.json="$unit_json"
unit_rc=$?

e2e_rc=0
if ls e2e/*.spec.ts >/dev/null 2>&1; then
  PLAYWRIGHT_JSON_OUTPUT_NAME="$e2e_json" npx playwright test --reporter=list,json
  e2e_rc=$?
fi

node scripts/lib/summarize-tests.mjs "$unit_json" "$e2e_json"
sum_rc=$?
if [ $unit_rc -ne 0 ] || [ $e2e_rc -ne 0 ] || [ $sum_rc -ne 0 ]; then exit 1; fi
