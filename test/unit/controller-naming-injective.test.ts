// The CSI name → LINSTOR name mapping is injective for every name it accepts (issue 11, item 3):
// LINSTOR compares resource names without case, so "injective" means: distinct CSI names never
// map to names that are equal ignoring case.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { isValidLinstorName, resourceNameFor, uuidv5, VOLUME_NAMESPACE } from '../../src/controller-service/naming.js';

/** Small deterministic PRNG (mulberry32), so a failure can be replayed from the seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABETS = ['abcxyzABCXYZ019_-', 'abc-_', 'aA', 'ab\u00e9\u00c9\u0130\u0131\u017f\u212a ./:\uFFFD😀', '0123456789abcdef-'];

/** Random names biased towards the hard cases: case variants, hashed-name look-alikes, near-valid names. */
function randomName(r: () => number): string {
  const pick = r();
  if (pick < 0.15) return `vol-${uuidv5(String(Math.floor(r() * 1e6)), VOLUME_NAMESPACE)}`;
  if (pick < 0.25) return `VOL-${uuidv5(String(Math.floor(r() * 1e6)), VOLUME_NAMESPACE).toUpperCase()}`;
  const alpha = ALPHABETS[Math.floor(r() * ALPHABETS.length)] as string;
  const chars = [...alpha];
  const len = 1 + Math.floor(r() * (r() < 0.5 ? 6 : 60));
  let s = '';
  for (let i = 0; i < len; i++) s += chars[Math.floor(r() * chars.length)];
  return s;
}

test('random names: distinct names never meet in one LINSTOR name (case-insensitively); every result is a valid LINSTOR name', () => {
  const seed = randomBytes(4).readUInt32LE(0);
  const r = rng(seed);
  const seen = new Map<string, string>();
  for (let i = 0; i < 200_000; i++) {
    const name = randomName(r);
    const rd = resourceNameFor({ csiName: name, usePvcName: false });
    assert.ok(isValidLinstorName(rd), `seed ${seed}: "${name}" → "${rd}" is not a valid LINSTOR name`);
    const key = rd.toLowerCase();
    const before = seen.get(key);
    if (before !== undefined && before !== name) assert.unreachable(`seed ${seed}: "${before}" and "${name}" both map to ${rd}`);
    seen.set(key, name);
    assert.is(resourceNameFor({ csiName: name, usePvcName: false }), rd, 'deterministic');
  }
});

test('the cases that used to collide: case variants and names shaped like hashed names', () => {
  const lower = resourceNameFor({ csiName: 'pvc-a', usePvcName: false });
  const upper = resourceNameFor({ csiName: 'PVC-A', usePvcName: false });
  assert.is(lower, 'pvc-a', 'Kubernetes names (lower case) pass through');
  assert.is.not(upper.toLowerCase(), lower);
  const hashedX = resourceNameFor({ csiName: 'my volume!', usePvcName: false });
  assert.match(hashedX, /^vol-/);
  assert.is.not(resourceNameFor({ csiName: hashedX, usePvcName: false }), hashedX, 'a name equal to another name\'s hash is hashed itself');
  // The replacement character is a name like any other: only raw invalid UTF-8 is refused (at the socket).
  assert.is.not(resourceNameFor({ csiName: 'pvc-utf8-\uFFFD', usePvcName: false }), resourceNameFor({ csiName: 'pvc-utf8-\uFFFE', usePvcName: false }));
});

test.run();
