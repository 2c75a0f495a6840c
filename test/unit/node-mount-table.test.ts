import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isFsReadOnly, isReadOnly, MountTableParseError, parseFindmntJson, parseMountInfo, topMountAt, unescapeMountInfo } from '../../src/node-ops/mount-table.js';
import { majMin } from '../../src/node-ops/fs.js';

// findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN,FS-OPTIONS (util-linux 2.38)
const FLAT = `{
   "filesystems": [
      {"target": "/", "source": "/dev/vda", "fstype": "ext4", "options": "rw,relatime", "maj:min": "254:0", "fs-options": "rw"},
      {"target": "/var/lib/kubelet/plugins/x/globalmount", "source": "/dev/drbd1000", "fstype": "xfs", "options": "rw,relatime,nouuid", "maj:min": "147:1000", "fs-options": "rw,nouuid"},
      {"target": "/var/lib/kubelet/pods/p/volumes/v x/mount", "source": "/dev/drbd1000", "fstype": "xfs", "options": "ro,relatime,nouuid", "maj:min": "147:1000", "fs-options": "rw,nouuid"},
      {"target": "/pods/blk", "source": "udev[/drbd1001]", "fstype": "devtmpfs", "options": "rw,nosuid", "maj:min": "0:5", "fs-options": "rw"},
      {"target": "/stack", "source": "/dev/loop1", "fstype": "ext4", "options": "rw", "maj:min": "7:1", "fs-options": "rw"},
      {"target": "/stack", "source": "/dev/loop2", "fstype": "ext4", "options": "ro", "maj:min": "7:2", "fs-options": "ro,errors=remount-ro"},
      {"target": "/proc", "source": "proc", "fstype": "proc", "options": "rw", "maj:min": "0:22", "fs-options": null}
   ]
}`;

const TREE = `{"filesystems": [{"target": "/", "source": "/dev/vda", "fstype": "ext4", "options": "rw", "maj:min": "254:0", "fs-options": "rw",
  "children": [{"target": "/mnt", "source": "/dev/loop0", "fstype": "xfs", "options": "rw", "maj:min": "7:0", "fs-options": "rw",
    "children": [{"target": "/mnt/x", "source": "tmpfs", "fstype": "tmpfs", "options": "rw", "maj:min": "0:40", "fs-options": "rw"}]}]}]}`;

test('flat list: fields, escapes, null columns', () => {
  const t = parseFindmntJson(FLAT);
  assert.is(t.length, 7);
  assert.equal(t[1], { target: '/var/lib/kubelet/plugins/x/globalmount', source: '/dev/drbd1000', fstype: 'xfs', options: ['rw', 'relatime', 'nouuid'], majMin: '147:1000', fsOptions: ['rw', 'nouuid'] });
  assert.is(t[2]?.target, '/var/lib/kubelet/pods/p/volumes/v x/mount');
  assert.ok(isReadOnly(t[2]!));
  assert.not.ok(isFsReadOnly(t[2]!));
  assert.equal(t[6]?.fsOptions, []);
});

test('tree form is flattened', () => {
  assert.equal(parseFindmntJson(TREE).map((e) => e.target), ['/', '/mnt', '/mnt/x']);
});

test('top-most of stacked mounts wins; absent is undefined', () => {
  const t = parseFindmntJson(FLAT);
  assert.is(topMountAt(t, '/stack')?.source, '/dev/loop2');
  assert.ok(isFsReadOnly(topMountAt(t, '/stack')!));
  assert.is(topMountAt(t, '/nope'), undefined);
});

test('empty output is an empty table; garbage is an error', () => {
  assert.equal(parseFindmntJson(''), []);
  assert.throws(() => parseFindmntJson('{'), (e: unknown) => e instanceof MountTableParseError);
  assert.throws(() => parseFindmntJson('{"x":[]}'), (e: unknown) => e instanceof MountTableParseError);
  assert.throws(() => parseFindmntJson('{"filesystems":[{"target":5}]}'), (e: unknown) => e instanceof MountTableParseError);
});

// /proc/self/mountinfo for the same table as FLAT (kernel 6.x), plus an optional field list and escapes.
const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '40 22 147:1000 / /var/lib/kubelet/plugins/x/globalmount rw,relatime shared:20 - xfs /dev/drbd1000 rw,nouuid',
  '41 22 147:1000 / /var/lib/kubelet/pods/p/volumes/v\\040x/mount ro,relatime shared:20 - xfs /dev/drbd1000 rw,nouuid',
  '42 22 0:5 /drbd1001 /pods/blk rw,nosuid shared:2 - devtmpfs udev rw',
  '43 22 7:1 / /stack rw - ext4 /dev/loop1 rw',
  '44 43 7:2 / /stack ro - ext4 /dev/loop2 ro,errors=remount-ro',
  '45 22 0:22 / /proc rw master:3 propagate_from:1 - proc proc rw',
  '46 22 7:3 / /a\\011tab\\012nl\\134bs\\303\\251 rw - ext4 /dev/loop3 rw',
].join('\n') + '\n';

test('mountinfo: same entries as findmnt (bind source with [root], merged options, escapes)', () => {
  const t = parseMountInfo(MOUNTINFO);
  const f = parseFindmntJson(FLAT);
  assert.is(t.length, 8);
  for (const i of [0, 1, 2, 3, 4]) assert.equal(t[i], f[i], `entry ${i}`);
  // Like findmnt's OPTIONS: the mount's options, then the superblock's without its rw/ro.
  assert.equal(t[5]?.options, ['ro', 'errors=remount-ro']);
  assert.is(t[2]?.target, '/var/lib/kubelet/pods/p/volumes/v x/mount');
  assert.ok(isReadOnly(t[2]!));
  assert.not.ok(isFsReadOnly(t[2]!));
  assert.is(t[3]?.source, 'udev[/drbd1001]');
  assert.is(topMountAt(t, '/stack')?.source, '/dev/loop2');
  assert.ok(isFsReadOnly(topMountAt(t, '/stack')!));
  assert.is(t[6]?.source, 'proc');
  assert.is(t[7]?.target, '/a\ttab\nnl\\bsé');
  assert.equal(parseMountInfo(''), []);
  assert.throws(() => parseMountInfo('1 2 3\n'), (e: unknown) => e instanceof MountTableParseError);
  assert.throws(() => parseMountInfo('22 1 x / / rw - ext4 /dev/vda rw\n'), (e: unknown) => e instanceof MountTableParseError);
});

test('mountinfo unescape: only three-digit octal escapes', () => {
  assert.is(unescapeMountInfo('plain'), 'plain');
  assert.is(unescapeMountInfo('a\\040b'), 'a b');
  assert.is(unescapeMountInfo('a\\04'), 'a\\04');
  assert.is(unescapeMountInfo('\\134040'), '\\040');
});

test('dev_t to major:minor', () => {
  assert.is(majMin(7 * 256 + 3), '7:3');
  // drbd minor 1000 (major 147): minor above 255 uses the high bits.
  assert.is(majMin((147 << 8) | (1000 & 0xff) | ((1000 & ~0xff) << 12)), '147:1000');
});

test.run();
