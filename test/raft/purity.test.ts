import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// src/raft must be a pure state machine: no clock, no randomness but the
// injected RNG, no timers, no process, no Node modules, nothing else of ours.
const dir = fileURLToPath(new URL('../../src/raft/', import.meta.url));
const forbidden: [string, RegExp][] = [
  ['Date', /\bDate\b/],
  ['Math.random', /Math\.random/],
  ['timers', /\b(setTimeout|setInterval|setImmediate|queueMicrotask|performance)\b/],
  ['process', /\bprocess\b/],
  ['node: modules', /from\s+['"]node:|require\(/],
  ['imports outside src/raft', /from\s+['"]\.\.\//],
  ['non-relative imports', /from\s+['"][^.]/],
];

describe('Purity of src/raft', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(3);
  });
  for (const f of files) {
    it(`${f} touches no clock, randomness, timer, process or Node module`, () => {
      // Strip comments so prose may mention what code must not use.
      const code = readFileSync(join(dir, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const [what, re] of forbidden) expect(re.test(code), `${f} uses ${what}`).toBe(false);
    });
  }
});
