#!/usr/bin/env bash
# Runs every test: unit tests (vitest, Node, tfjs cpu backend; a few again on WebGPU through Dawn), the
# PyTorch trainer's tests (pytest, Debian's /usr/bin/python3 with python3-torch), then browser tests
# (Playwright, Chromium). Prints one closing line "N passed, N failed" with the totals of them all.
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

# WebGPU in Node: Dawn (the webgpu package) on SwiftShader's Vulkan driver, which Debian's chromium ships.
# A few of the device-sampler tests (the draw on the device equals the naive sampler's, one read-back per
# row) run again on it; the whole files take ~8 minutes on 2 cores. Skipped, and said, without the driver.
dawn_json=.reports/vitest-webgpu.json
rm -f "$dawn_json"
icd=${PIXELRNN_VK_ICD:-/usr/lib/chromium/vk_swiftshader_icd.json}
dawn_rc=0
dawn_report=()
if [ -f "$icd" ]; then
  VK_ICD_FILENAMES="$icd" LD_LIBRARY_PATH="$(dirname "$icd")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" TFJS_BACKEND=webgpu \
    npx vitest run test/sampling/device.test.ts test/sampling/gatedDevice.test.ts -t 'binary: same images' \
    --reporter=default --reporter=json --outputFile.json="$dawn_json"
  dawn_rc=$?
  dawn_report=("$dawn_json")
else
  echo "No Vulkan driver at $icd: the WebGPU-in-Node (Dawn) tests did not run."
fi

PYTHON=${PYTHON:-/usr/bin/python3}
(cd train && "$PYTHON" -m pytest -q -p no:cacheprovider --junitxml="../$py_xml" tests)
py_rc=$?

e2e_rc=0
if ls e2e/*.spec.ts >/dev/null 2>&1; then
  PLAYWRIGHT_JSON_OUTPUT_NAME="$e2e_json" npx playwright test --reporter=list,json
  e2e_rc=$?
fi

node scripts/lib/summarize-tests.mjs "$unit_json" "$e2e_json" "$py_xml" "${dawn_report[@]}"
sum_rc=$?
if [ $unit_rc -ne 0 ] || [ $dawn_rc -ne 0 ] || [ $py_rc -ne 0 ] || [ $e2e_rc -ne 0 ] || [ $sum_rc -ne 0 ]; then exit 1; fi
