/** The policy a static host is told to send (README) is the one the dev and preview servers send. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import config, { CSP } from '../../vite.config';

describe('Content-Security-Policy', () => {
  it('is sent by the preview server, documented word for word, and keeps requests on the origin', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`Content-Security-Policy: ${CSP}\n`);
    const resolved = config as { preview?: { headers?: Record<string, string> }; server?: { headers?: Record<string, string> } };
    expect(resolved.preview?.headers?.['Content-Security-Policy']).toBe(CSP);
    expect(resolved.server?.headers?.['Content-Security-Policy']).toContain("connect-src 'self' blob: data:");
    // COOP/COEP stay beside it.
    expect(resolved.preview?.headers).toMatchObject({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    for (const directive of ["default-src 'self'", "connect-src 'self' blob: data:", "object-src 'none'"]) expect(CSP).toContain(directive);
  });
});
