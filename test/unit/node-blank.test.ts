import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decideFormat, type BlankInput } from '../../src/node-service/blank.js';
import { backupSuperblockCandidates } from '../../src/node-ops/backup-superblocks.js';
import type { VolumeHistory } from '../../src/node-service/history.js';

const NEW: VolumeHistory = { born: 'empty', blockUsed: false };

/** A volume born empty, never used, its device scanned clean: the one case that formats. */
const blank = (over: Partial<BlankInput> = {}): BlankInput => ({
  requestedFs: 'ext4',
  read: { readable: true, headZero: true, tailZero: true },
  signature: { kind: 'none' },
  deepScan: [],
  drbd: { upToDate: true, state: 'UpToDate' },
  history: NEW,
  readOnly: false,
  ...over,
});
const reason = (d: ReturnType<typeof decideFormat>): string => (d.action === 'refuse' ? d.reason : `(${d.action})`);

test('a readable, zeroed, signature-free, UpToDate device is formatted', () => {
  assert.equal(decideFormat(blank()), { action: 'format' });
  assert.equal(decideFormat(blank({ requestedFs: 'xfs' })), { action: 'format' });
});

test('an unreadable device is refused even though blkid found nothing', () => {
  const d = decideFormat(blank({ read: { readable: false, error: 'EMEDIUMTYPE: wrong medium type', headZero: false, tailZero: false } }));
  assert.is(d.action, 'refuse');
  assert.match(d.action === 'refuse' ? d.reason : '', /cannot be read \(EMEDIUMTYPE/);
});

test('the requested filesystem already there is mounted, never reformatted', () => {
  assert.equal(decideFormat(blank({ signature: { kind: 'filesystem', type: 'ext4', uuid: 'u' } })), { action: 'already-has', fsType: 'ext4' });
  assert.equal(decideFormat(blank({ requestedFs: 'xfs', signature: { kind: 'filesystem', type: 'xfs' } })), { action: 'already-has', fsType: 'xfs' });
  // ...whatever the DRBD state or head bytes say: an existing filesystem is data.
  assert.equal(
    decideFormat(blank({ signature: { kind: 'filesystem', type: 'ext4' }, drbd: { upToDate: false, state: 'Inconsistent' }, read: { readable: true, headZero: false, tailZero: true } })),
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

test('no signature but a non-zero first or last MiB: refused as unrecognised data', () => {
  const d = decideFormat(blank({ read: { readable: true, headZero: false, tailZero: true } }));
  assert.is(d.action, 'refuse');
  assert.match(reason(d), /first MiB is not zero \(unrecognised data\)/);
  assert.match(reason(decideFormat(blank({ read: { readable: true, headZero: true, tailZero: false } }))), /last MiB is not zero/);
});

test('no signature: the record decides before the device is scanned deeper', () => {
  // Formatted before, nothing there now: damaged, never formatted again; says how to inspect.
  const damaged = decideFormat(blank({ history: { born: 'empty', blockUsed: false, formatted: { fsType: 'ext4', uuid: 'u-1' } }, deepScan: undefined }));
  assert.is(damaged.action, 'refuse');
  assert.match(reason(damaged), /formatted this volume as ext4 \(UUID u-1\).*may be damaged.*e2fsck -n/);
  assert.match(reason(decideFormat(blank({ history: { born: 'empty', blockUsed: false, formatted: { fsType: 'xfs', uuid: 'u' } } }))), /xfs_repair -n/);
  // No record (static volume, or made before records): never mkfs.
  assert.match(reason(decideFormat(blank({ history: { blockUsed: false } }))), /no record that this driver created the volume empty/);
  // Born from a snapshot or a clone: it holds data.
  assert.match(reason(decideFormat(blank({ history: { born: 'snapshot', blockUsed: false } }))), /created from a snapshot/);
  assert.match(reason(decideFormat(blank({ history: { born: 'clone', blockUsed: false } }))), /clone of another volume/);
  // Used as a raw block device once: anything may be anywhere.
  assert.match(reason(decideFormat(blank({ history: { born: 'empty', blockUsed: true } }))), /used as a raw block device/);
  // Born empty and unused: the deep scan comes next, and what it finds refuses.
  assert.equal(decideFormat(blank({ deepScan: undefined })), { action: 'deep-scan' });
  const deep = decideFormat(blank({ deepScan: ['an ext2/3/4 backup superblock (block size 4096, group 1, at byte 134217728)'] }));
  assert.match(reason(deep), /no primary signature, but the device holds an ext2\/3\/4 backup superblock/);
});

test('backup superblock candidates: ext at group starts for each block size, xfs at AG 1 boundaries, all inside the device', () => {
  const size = 1024 ** 3;
  const c = backupSuperblockCandidates(size);
  const offsets = new Set(c.map((x) => x.offset));
  assert.ok(offsets.has(8193 * 1024), 'ext, 1 KiB blocks, group 1');
  assert.ok(offsets.has(32768 * 4096), 'ext, 4 KiB blocks, group 1');
  assert.ok(offsets.has(65536 * 4096), 'xfs, 4 AGs of a 1 GiB device');
  assert.ok(c.every((x) => x.offset + x.length <= size));
  const sb = Buffer.alloc(1024);
  sb.writeUInt16LE(0xef53, 56);
  sb.writeUInt32LE(2, 24);
  sb.writeUInt16LE(1, 90);
  const ext4k = c.find((x) => x.offset === 32768 * 4096 && x.label.startsWith('an ext'));
  assert.ok(ext4k?.matches(sb), 'a 4 KiB-block backup superblock of group 1 matches');
  assert.not.ok(ext4k?.matches(Buffer.alloc(1024)), 'zeros never match');
  const xfs = Buffer.alloc(512);
  xfs.write('XFSB', 0, 'latin1');
  xfs.writeUInt32BE(4096, 4);
  xfs.writeUInt32BE(65536, 84);
  assert.ok(c.find((x) => x.offset === 65536 * 4096 && x.label.startsWith('an xfs'))?.matches(xfs));
});

test('a blank device with a read-only request is refused, not formatted', () => {
  assert.is(decideFormat(blank({ readOnly: true })).action, 'refuse');
});

test('exhaustive: only one combination of the inputs formats', () => {
  const histories: VolumeHistory[] = [
    NEW,
    { blockUsed: false },
    { born: 'snapshot', blockUsed: false },
    { born: 'clone', blockUsed: false },
    { born: 'empty', blockUsed: true },
    { born: 'empty', blockUsed: false, formatted: { fsType: 'ext4', uuid: 'u' } },
  ];
  let formats = 0;
  for (const readable of [true, false])
    for (const headZero of [true, false])
      for (const tailZero of [true, false])
        for (const upToDate of [true, false])
          for (const readOnly of [true, false])
            for (const history of histories)
              for (const deepScan of [[], ['a gpt signature at offset 0x3fffe00 (wipefs)']])
                for (const signature of [{ kind: 'none' }, { kind: 'partition-table', pttype: 'dos' }, { kind: 'filesystem', type: 'xfs' }] as BlankInput['signature'][]) {
                  const d = decideFormat({ requestedFs: 'ext4', read: { readable, headZero, tailZero }, signature, deepScan, drbd: { upToDate, state: upToDate ? 'UpToDate' : 'Outdated' }, history, readOnly });
                  if (d.action === 'format') formats++;
                }
  assert.is(formats, 1);
});

test.run();
