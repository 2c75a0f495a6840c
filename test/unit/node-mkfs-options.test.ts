import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FsOptsError, mkfsArgs, parseFsOpts, splitArgs } from '../../src/node-ops/mkfs-options.js';
import { signatureFromBlkid, parseBlkidExport } from '../../src/node-ops/blkid.js';

test('splitArgs: quotes and escapes, no expansion', () => {
  assert.equal(splitArgs(` -L 'my label' -E "a=1,b=2"  -m0 $HOME`), ['-L', 'my label', '-E', 'a=1,b=2', '-m0', '$HOME']);
  assert.throws(() => splitArgs(`-L 'x`), (e: unknown) => e instanceof FsOptsError);
});

test('fsOpts: accepted options become separate arguments', () => {
  assert.equal(parseFsOpts('ext4', '-m 0 -L data -O ^has_journal -i16384'), ['-m', '0', '-L', 'data', '-O', '^has_journal', '-i', '16384']);
  assert.equal(parseFsOpts('xfs', '-i size=512 -L x -m reflink=1'), ['-i', 'size=512', '-L', 'x', '-m', 'reflink=1']);
  assert.equal(parseFsOpts('ext4', ''), []);
});

test('fsOpts: force, dry-run, host files, other devices and bare words are refused', () => {
  const bad: [('ext4' | 'xfs'), string][] = [
    ['ext4', '-F'],
    ['xfs', '-f'],
    ['ext4', '-n'],
    ['xfs', '-N'],
    ['ext4', '-S'],
    ['ext4', '-d /etc'],
    ['ext4', '-J device=/dev/sdb'],
    ['ext4', '-E root_owner=0:0'],
    ['ext4', '-E discard'],
    ['xfs', '-l logdev=/dev/sdb'],
    ['xfs', '-d name=/dev/sdb'],
    ['xfs', '-d file,size=1g'],
    ['xfs', '-p proto'],
    ['ext4', '/dev/sda'],
    ['ext4', '100000'],
    ['ext4', '--help'],
    ['ext4', '-L'],
    ['ext4', '-jx'],
  ];
  for (const [fs, s] of bad) assert.throws(() => parseFsOpts(fs, s), (e: unknown) => e instanceof FsOptsError, `${fs} ${s}`);
});

test('mkfs arguments: lazy init, no discard, 4 KiB blocks on small ext4; -K for xfs; never a force flag', () => {
  assert.equal(mkfsArgs('ext4', '/dev/x', 100 << 20, []), ['-q', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', '-b', '4096', '/dev/x']);
  assert.equal(mkfsArgs('ext4', '/dev/x', 1 << 30, ['-m', '0']), ['-q', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', '-m', '0', '/dev/x']);
  assert.equal(mkfsArgs('ext4', '/dev/x', 100 << 20, ['-b', '1024']), ['-q', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', '-b', '1024', '/dev/x']);
  assert.equal(mkfsArgs('xfs', '/dev/x', 1 << 30, []), ['-q', '-K', '/dev/x']);
});

test('blkid: exit codes and export output', () => {
  assert.equal(signatureFromBlkid(2, '', ''), { kind: 'none' });
  assert.equal(signatureFromBlkid(0, 'DEVNAME=/dev/loop0\nUUID=u1\nBLOCK_SIZE=4096\nTYPE=ext4\nUSAGE=filesystem\n', ''), { kind: 'filesystem', type: 'ext4', uuid: 'u1' });
  assert.equal(signatureFromBlkid(0, 'DEVNAME=/dev/loop0\nPTTYPE=dos\n', ''), { kind: 'partition-table', pttype: 'dos' });
  assert.equal(signatureFromBlkid(0, 'DEVNAME=/dev/loop0\nPTUUID=x\nPTTYPE=gpt\n', ''), { kind: 'partition-table', pttype: 'gpt' });
  assert.equal(signatureFromBlkid(0, 'TYPE=LVM2_member\nUSAGE=raid\n', ''), { kind: 'other', type: 'LVM2_member', usage: 'raid' });
  assert.equal(signatureFromBlkid(0, 'TYPE=crypto_LUKS\nUSAGE=crypto\n', ''), { kind: 'other', type: 'crypto_LUKS', usage: 'crypto' });
  assert.is(signatureFromBlkid(8, '', 'ambivalent result').kind, 'ambivalent');
  assert.is(signatureFromBlkid(4, '', 'usage').kind, 'error');
  assert.is(signatureFromBlkid(0, 'DEVNAME=/dev/x\n', '').kind, 'error');
  assert.equal(parseBlkidExport('A=1\nB=x=y\n\n'), { A: '1', B: 'x=y' });
});

test.run();
