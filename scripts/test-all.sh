#!/usr/bin/env bash
# Runs every test: unit tests (vitest, Node, tfjs cpu backend), the PyTorch trainer's tests (pytest, Debian's
# /usr/bin/python3 with python3-torch), then browser tests (Playwright, Chromium).
# Prints one closing line "N passed, N failed" with the totals of all three.
set -u
cd "$(dirname "$0")/.."
# Not test-results/: Playwright empties that folder when it starts.
mkdir -p .reports
unit_json=.reports/vitest.json
e2e_json=.reports/playwright.json
py_xml=.reports/pytest.xml
rm -f "$unit_json" "$e2e_json" "$py_xml"

npx vitest run --reporter=default --reporter=json --outputFile.json="$unit_json"
unit_rc=$?

PYTHON=${PYTHON:-/usr/bin/python3}
(cd train && "$PYTHON" -m pytest -q -p no:cacheprovider --junitxml="../$py_xml" tests)
py_rc=$?

e2e_rc=0
if ls e2e/*.spec.ts >/dev/null 2>&1; then
  PLAYWRIGHT_JSON_OUTPUT_NAME="$e2e_json" npx playwright test --reporter=list,json
  e2e_rc=$?
fi

node scripts/lib/summarize-tests.mjs "$unit_json" "$e2e_json" "$py_xml"
sum_rc=$?
if [ $unit_rc -ne 0 ] || [ $py_rc -ne 0 ] || [ $e2e_rc -ne 0 ] || [ $sum_rc -ne 0 ]; then exit 1; fi
