import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsiError, Code } from '../../src/csi/errors.js';
import type { VolumeCapability__Output } from '../../src/csi/types.js';
import { isValidResourceName, parseCapability, parseMountOptions, stageMountOptions, validatePath, validateVolumeId } from '../../src/node-service/validation.js';
import { CTX_FS_TYPE, CTX_MOUNT_OPTIONS } from '../../src/csi/volume-context.js';

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CsiError) return e.code;
    throw e;
  }
  return undefined;
}

const mountCap = (mode: string, fs_type = '', mount_flags: string[] = []): VolumeCapability__Output =>
  ({ access_type: 'mount', mount: { fs_type, mount_flags, volume_mount_group: '' }, access_mode: { mode } }) as VolumeCapability__Output;
const blockCap = (mode: string): VolumeCapability__Output => ({ access_type: 'block', block: {}, access_mode: { mode } }) as VolumeCapability__Output;

test('volume ids follow LINSTOR resource-name rules', () => {
  for (const ok of ['pvc-123', 'ab', '_x', 'A'.repeat(48), 'pvc_0a-1']) assert.ok(isValidResourceName(ok), ok);
  for (const bad of ['a', '', '1abc', '-x', 'A'.repeat(49), 'a/b', 'a b', 'a\0b', '../x', 'all', 'Proxy', 'x;rm']) assert.not.ok(isValidResourceName(bad), bad);
  assert.is(code(() => validateVolumeId('')), Code.INVALID_ARGUMENT);
  assert.is(code(() => validateVolumeId('--force')), Code.INVALID_ARGUMENT);
  assert.is(validateVolumeId('pvc-1'), 'pvc-1');
});

test('paths must be absolute, without NUL, newline, . or ..', () => {
  assert.is(validatePath('p', '/var/lib/x/'), '/var/lib/x');
  for (const bad of ['', 'relative/x', '/a/../b', '/a/./b', '/a\0b', '/a\nb', '/']) assert.is(code(() => validatePath('p', bad)), Code.INVALID_ARGUMENT, JSON.stringify(bad));
});

test('capability: fs type from capability, then volume context, then ext4', () => {
  const c1 = parseCapability(mountCap('SINGLE_NODE_WRITER', 'xfs'), { [CTX_FS_TYPE]: 'ext4' });
  assert.equal(c1, { access: 'mount', mode: 'SINGLE_NODE_WRITER', readOnly: false, fsType: 'xfs', mountFlags: [] });
  const c2 = parseCapability(mountCap('SINGLE_NODE_WRITER'), { [CTX_FS_TYPE]: 'xfs' });
  assert.is(c2.access === 'mount' && c2.fsType, 'xfs');
  const c3 = parseCapability(mountCap('SINGLE_NODE_WRITER'));
  assert.is(c3.access === 'mount' && c3.fsType, 'ext4');
  assert.is(code(() => parseCapability(mountCap('SINGLE_NODE_WRITER', 'btrfs'))), Code.INVALID_ARGUMENT);
});

test('capability: access modes', () => {
  assert.is(parseCapability(mountCap('MULTI_NODE_READER_ONLY')).readOnly, true);
  assert.is(parseCapability(mountCap('SINGLE_NODE_READER_ONLY')).readOnly, true);
  assert.is(parseCapability(mountCap('SINGLE_NODE_MULTI_WRITER')).readOnly, false);
  assert.is(code(() => parseCapability(mountCap('MULTI_NODE_MULTI_WRITER'))), Code.INVALID_ARGUMENT);
  assert.is(code(() => parseCapability(mountCap('UNKNOWN'))), Code.INVALID_ARGUMENT);
  assert.is(code(() => parseCapability(null)), Code.INVALID_ARGUMENT);
  assert.equal(parseCapability(blockCap('MULTI_NODE_MULTI_WRITER')), { access: 'block', mode: 'MULTI_NODE_MULTI_WRITER', readOnly: false });
});

test('mount options: flags and the volume context list; nothing that changes the mount kind', () => {
  const c = parseCapability(mountCap('SINGLE_NODE_WRITER', 'ext4', ['noatime', 'discard']), { [CTX_MOUNT_OPTIONS]: 'data=ordered, commit=30' });
  assert.equal(c.access === 'mount' && c.mountFlags, ['noatime', 'discard', 'data=ordered', 'commit=30']);
  assert.is(code(() => parseMountOptions('f', ['remount'])), Code.INVALID_ARGUMENT);
  assert.is(code(() => parseMountOptions('f', ['bind'])), Code.INVALID_ARGUMENT);
  assert.is(code(() => parseMountOptions('f', ['a b'])), Code.INVALID_ARGUMENT);
  assert.is(code(() => parseMountOptions('f', ['x\0'])), Code.INVALID_ARGUMENT);
});

test('staging mount options: nouuid for xfs, ro,norecovery for read-only modes', () => {
  const x = parseCapability(mountCap('SINGLE_NODE_WRITER', 'xfs', ['noatime', 'rw']));
  assert.equal(x.access === 'mount' && stageMountOptions(x), ['noatime', 'nouuid']);
  const r = parseCapability(mountCap('MULTI_NODE_READER_ONLY', 'ext4'));
  assert.equal(r.access === 'mount' && stageMountOptions(r), ['ro', 'norecovery']);
});

test.run();
