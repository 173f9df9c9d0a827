// Adds up vitest's and Playwright's JSON reports and pytest's JUnit XML into the one closing line CI reads:
// "N passed, N failed" (", N skipped" when some were). A report that should exist but does not counts
// as one failure, so a runner that crashed can never look green.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

// Further arguments: more vitest reports (the WebGPU-in-Node run of scripts/test-all.sh).
const [unitPath, e2ePath, pyPath, ...moreUnit] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

for (const path of [unitPath, ...moreUnit]) {
  if (existsSync(path)) {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A file that failed to load has no failing test of its own: count it once.
    failed += (r.testResults ?? []).filter((s) => s.status === 'failed' && !(s.assertionResults ?? []).some((a) => a.status === 'failed')).length;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else {
    console.error(`no unit-test report at ${path}`);
    failed += 1;
  }
}

// pytest's JUnit XML: <testsuite tests="N" failures="F" errors="E" skipped="S">.
if (pyPath) {
  if (existsSync(pyPath)) {
    const xml = readFileSync(pyPath, 'utf8');
    const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
    const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
    const bad = attr('failures') + attr('errors');
    passed += attr('tests') - bad - attr('skipped');
    failed += bad;
    skipped += attr('skipped');
    if (!suite) failed += 1;
  } else {
    console.error(`no pytest report at ${pyPath}`);
    failed += 1;
  }
}

const hasSpecs = existsSync('e2e') && readdirSync('e2e').some((f) => f.endsWith('.spec.ts'));
if (hasSpecs) {
  if (e2ePath && existsSync(e2ePath)) {
    const s = JSON.parse(readFileSync(e2ePath, 'utf8')).stats ?? {};
    passed += (s.expected ?? 0) + (s.flaky ?? 0);
    failed += s.unexpected ?? 0;
    skipped += s.skipped ?? 0;
  } else {
    console.error(`no browser-test report at ${e2ePath}`);
    failed += 1;
  }
}

// Skipped tests (those that need WebGPU in Node, say) on a line of their own: CI reads the last line,
// which is exactly `N passed, N failed`.
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
