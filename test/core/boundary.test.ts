import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** src/core runs unchanged in the page, in workers and in Node (DESIGN.md): it imports none of their worlds. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe('the src/core boundary', () => {
  it('imports no Node module, no React, no zustand and no app layer', () => {
    const bad: string[] = [];
    for (const f of files('src/core')) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2]!;
        if (/^node:|^(fs|path|os|child_process|worker_threads)$|^react|^zustand|\.\.\/\.\.\/(components|store|worker|gpu|canvas)/.test(spec)) bad.push(`${f}: ${spec}`);
      }
      if (/\b(document|window|localStorage|HTMLElement)\./.test(src.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ''))) bad.push(`${f}: uses a DOM global`);
    }
    expect(bad).toEqual([]);
  });

  it('type-checks without the DOM library (tsconfig.core.json)', () => {
    let out = '';
    try {
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.core.json'], { encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out).toBe('');
  }, 180_000);
});
