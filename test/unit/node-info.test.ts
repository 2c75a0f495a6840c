import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLabelKey, nodeCapabilities, topologySegments } from '../../src/node-service/info.js';
import { parseDumpe2fs, parseXfsInfo } from '../../src/node-ops/resizer.js';
import { toolPath } from '../../src/node-ops/run-tool.js';

test('topology: hostname plus the namespace with its prefix stripped', () => {
  const props = {
    'Aux/topology/kubernetes.io/hostname': 'n1',
    'Aux/topology/topology.kubernetes.io/zone': 'z1',
    'Aux/other': 'x',
    'CurStltConnName': 'default',
    'Aux/topology/bad key': 'v',
    'Aux/topology/ok': 'bad value!',
  };
  const { segments, skipped } = topologySegments('n1', props, 'Aux/topology');
  assert.equal(segments, { 'kubernetes.io/hostname': 'n1', 'topology.kubernetes.io/zone': 'z1', 'linbit.com/hostname': 'n1' });
  assert.equal(skipped.sort(), ['Aux/topology/bad key', 'Aux/topology/ok']);
  assert.equal(topologySegments('n1', props, 'Aux/').segments['topology/kubernetes.io/hostname'], undefined);
  assert.is(topologySegments('n1', { 'Aux/other': 'x' }, 'Aux').segments.other, 'x');
});

test('label keys', () => {
  for (const k of ['a', 'kubernetes.io/hostname', 'linbit.com/sp-x', 'x_y.z']) assert.ok(isLabelKey(k), k);
  for (const k of ['', 'a/b/c', 'Upper.Case/x', '-a', 'a b']) assert.not.ok(isLabelKey(k), k);
});

test('capabilities advertised', () => {
  assert.equal(nodeCapabilities(), ['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME', 'VOLUME_CONDITION', 'SINGLE_NODE_MULTI_WRITER']);
});

test('resize tool output parsing', () => {
  assert.is(parseDumpe2fs('Filesystem volume name:   <none>\nBlock count:              131072\nBlock size:               4096\n'), 536870912);
  assert.is(
    parseXfsInfo('meta-data=/dev/loop0 isize=512 agcount=4, agsize=19264 blks\n         =   sectsz=512\ndata     =                       bsize=4096   blocks=77056, imaxpct=25\n'),
    315621376,
  );
  assert.throws(() => parseDumpe2fs('nothing'));
});

test('tool PATH: injected dirs first, sbin always present, no duplicates', () => {
  assert.is(toolPath(['/emu/n1/bin'], '/usr/bin:/bin'), '/emu/n1/bin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin');
});

test.run();
