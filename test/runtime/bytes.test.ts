// Byte-string helpers every layer shares (src/runtime/bytes.ts).
import { describe, expect, it } from 'vitest';
import { compareBytes, keyPrefixEnd } from '../../src/runtime/bytes.js';

describe('keyPrefixEnd', () => {
  it('is the shortest string above every key with the prefix, and leaves the prefix alone', () => {
    const p = Buffer.from('kill/');
    expect(Buffer.from(keyPrefixEnd(p)).toString()).toBe('kill0');
    expect(p.toString()).toBe('kill/'); // a Buffer's slice shares its bytes: the prefix must not change
    expect([...keyPrefixEnd(Uint8Array.of(1, 0xff, 0xff))]).toEqual([2]);
    const end = keyPrefixEnd(Uint8Array.of(7, 0xfe));
    expect(compareBytes(Uint8Array.of(7, 0xfe, 0xff, 0xff), end)).toBeLessThan(0);
    expect(compareBytes(end, Uint8Array.of(7, 0xff))).toBe(0);
  });

  it('is empty (+∞) for an empty or all-0xFF prefix', () => {
    expect(keyPrefixEnd(new Uint8Array(0)).byteLength).toBe(0);
    expect(keyPrefixEnd(Uint8Array.of(0xff, 0xff)).byteLength).toBe(0);
  });
});
