import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decideFormat, type BlankInput } from '../../src/node-service/blank.js';

const blank = (over: Partial<BlankInput> = {}): BlankInput => ({
  requestedFs: 'ext4',
  read: { readable: true, headZero: true },
  signature: { kind: 'none' },
  drbd: { upToDate: true, state: 'UpToDate' },
  readOnly: false,
  ...over,
});

test('a readable, zeroed, signature-free, UpToDate device is formatted', () => {
  assert.equal(decideFormat(blank()), { action: 'format' });
  assert.equal(decideFormat(blank({ requestedFs: 'xfs' })), { action: 'format' });
});

test('an unreadable device is refused even though blkid found nothing', () => {
  const d = decideFormat(blank({ read: { readable: false, error: 'EMEDIUMTYPE: wrong medium type', headZero: false } }));
  assert.is(d.action, 'refuse');
  assert.match(d.action === 'refuse' ? d.reason : '', /cannot be read \(EMEDIUMTYPE/);
});

test('the requested filesystem already there is mounted, never reformatted', () => {
  assert.equal(decideFormat(blank({ signature: { kind: 'filesystem', type: 'ext4', uuid: 'u' } })), { action: 'already-has', fsType: 'ext4' });
  assert.equal(decideFormat(blank({ requestedFs: 'xfs', signature: { kind: 'filesystem', type: 'xfs' } })), { action: 'already-has', fsType: 'xfs' });
  // ...whatever the DRBD state or head bytes say: an existing filesystem is data.
  assert.equal(
    decideFormat(blank({ signature: { kind: 'filesystem', type: 'ext4' }, drbd: { upToDate: false, state: 'Inconsistent' }, read: { readable: true, headZero: false } })),
    { action: 'already-has', fsType: 'ext4' },
  );
});

test('another filesystem than requested is refused, naming both', () => {
  const d = decideFormat(blank({ requestedFs: 'ext4', signature: { kind: 'filesystem', type: 'xfs', uuid: 'abc' } }));
  assert.is(d.action, 'refuse');
  const r = d.action === 'refuse' ? d.reason : '';
  assert.match(r, /xfs filesystem \(UUID abc\)/);
  assert.match(r, /ext4 was requested/);
  assert.match(decideFormat(blank({ requestedFs: 'xfs', signature: { kind: 'filesystem', type: 'ext3' } })).action, 'refuse');
  assert.match(decideFormat(blank({ requestedFs: 'ext4', signature: { kind: 'filesystem', type: 'ext2' } })).action, 'refuse');
});

test('partition tables, LVM/LUKS/swap, ambivalent and blkid errors are all refused', () => {
  const cases: BlankInput['signature'][] = [
    { kind: 'partition-table', pttype: 'dos' },
    { kind: 'partition-table', pttype: 'gpt' },
    { kind: 'other', type: 'LVM2_member', usage: 'raid' },
    { kind: 'other', type: 'crypto_LUKS', usage: 'crypto' },
    { kind: 'other', type: 'swap', usage: 'other' },
    { kind: 'ambivalent', detail: 'ext4 and xfs' },
    { kind: 'error', exitCode: 4, detail: 'bad usage' },
  ];
  for (const signature of cases) {
    const d = decideFormat(blank({ signature }));
    assert.is(d.action, 'refuse', JSON.stringify(signature));
  }
  const pt = decideFormat(blank({ signature: { kind: 'partition-table', pttype: 'gpt' } }));
  assert.match(pt.action === 'refuse' ? pt.reason : '', /gpt partition table/);
});

test('no signature but DRBD not UpToDate: refused (blank cannot be proven)', () => {
  for (const state of ['Inconsistent', 'Outdated', 'DUnknown', 'Failed', 'Diskless', 'unknown']) {
    const d = decideFormat(blank({ drbd: { upToDate: false, state } }));
    assert.is(d.action, 'refuse', state);
    assert.match(d.action === 'refuse' ? d.reason : '', state);
  }
});

test('no signature but non-zero head bytes: refused as unrecognised data', () => {
  const d = decideFormat(blank({ read: { readable: true, headZero: false } }));
  assert.is(d.action, 'refuse');
  assert.match(d.action === 'refuse' ? d.reason : '', /unrecognised data/);
});

test('a blank device with a read-only request is refused, not formatted', () => {
  assert.is(decideFormat(blank({ readOnly: true })).action, 'refuse');
});

test('exhaustive: only one combination of the inputs formats', () => {
  let formats = 0;
  for (const readable of [true, false])
    for (const headZero of [true, false])
      for (const upToDate of [true, false])
        for (const readOnly of [true, false])
          for (const signature of [{ kind: 'none' }, { kind: 'partition-table', pttype: 'dos' }, { kind: 'filesystem', type: 'xfs' }] as BlankInput['signature'][]) {
            const d = decideFormat({ requestedFs: 'ext4', read: { readable, headZero }, signature, drbd: { upToDate, state: upToDate ? 'UpToDate' : 'Outdated' }, readOnly });
            if (d.action === 'format') formats++;
          }
  assert.is(formats, 1);
});

test.run();
