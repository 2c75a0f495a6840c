import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isFsReadOnly, isReadOnly, MountTableParseError, parseFindmntJson, topMountAt } from '../../src/node-ops/mount-table.js';
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

test('dev_t to major:minor', () => {
  assert.is(majMin(7 * 256 + 3), '7:3');
  // drbd minor 1000 (major 147): minor above 255 uses the high bits.
  assert.is(majMin((147 << 8) | (1000 & 0xff) | ((1000 & ~0xff) << 12)), '147:1000');
});

test.run();
