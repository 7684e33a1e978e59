// Runs every scripted protocol file in testdata/ (see testdata/README.md):
// each file is one scenario on fresh groups, its cases checked in order.
// REWRITE=1 rewrites the expected outputs in place instead of comparing.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFile, where } from './datadriven.js';
import { Harness } from './group-harness.js';

const DIR = join(import.meta.dirname, 'testdata');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('migration group protocol, scripted (testdata/*.txt)', () => {
  it('has scripts to run', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  it.each(FILES)('%s', async (file) => {
    const h = Harness.create();
    try {
      await runFile(join(DIR, file), (tc) => h.run(tc), { compare: (tc, actual) => expect(actual, where(tc)).toBe(tc.expected) });
    } finally {
      await h.close();
    }
  });
});
