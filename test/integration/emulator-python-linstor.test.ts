import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';

// The official python stack must work against the emulator: linstor-api-py (python-linstor,
// PyPI), the library through which the `linstor` CLI makes every call. The CLI itself
// (linstor-client) is not published on PyPI or Debian, so it cannot be installed here; see
// docs/emulator.md for checking its tables by hand. A missing python-linstor fails the test.
let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator();
  await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'cli-vol' } });
  await emu.api('POST', '/v1/resource-definitions/cli-vol/volume-definitions', { volume_definition: { size_kib: 4096 } });
  await emu.api('POST', '/v1/resource-definitions/cli-vol/autoplace', { select_filter: { place_count: 2 } });
  await emu.api('POST', '/v1/resource-definitions/cli-vol/snapshots', { name: 'cli-snap' });
});
test.after(async () => {
  await emu.cleanup();
});

const PY = `
import sys, linstor
with linstor.Linstor(sys.argv[1]) as l:
    nodes = l.node_list()[0]
    print("nodes", ",".join(sorted(n.name for n in nodes.nodes)), nodes.nodes[0].connection_status)
    sp = l.storage_pool_list()[0]
    print("pools", len(sp.storage_pools), sp.storage_pools[0].free_space.free_capacity > 0)
    rd = l.resource_dfn_list()[0]
    print("rds", ",".join(r.name for r in rd.resource_definitions))
    rl = l.volume_list()[0]
    print("resources", len(rl.resources), sorted(r.volumes[0].state.disk_state for r in rl.resources))
    snaps = l.snapshot_dfn_list()[0]
    print("snapshots", ",".join(s.snapshot_name for s in snaps.snapshots))
    rgs = l.resource_group_list_raise()
    vgs = l.volume_group_list_raise("DfltRscGrp")
    print("rgs", ",".join(g.name for g in rgs.resource_groups), rgs.resource_groups[0].select_filter.place_count, len(vgs.volume_groups))
    rem = l.remote_list()[0]
    print("remotes", len(rem.s3_remotes) + len(rem.linstor_remotes) + len(rem.ebs_remotes))
    print("kvs", len(l.keyvaluestores().instances()))
    r = l.resource_dfn_create("cli-vol")
    print("dup", r[0].is_error(), r[0].ret_code == -4611686018406940171)
`;

test('python-linstor parses every reply (nodes, pools, RDs, resources, snapshots, groups, remotes, KVS, errors)', async () => {
  const r = await execa('python3', ['-c', PY, emu.handle.url], { reject: false });
  assert.is(r.exitCode, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /nodes node-a,node-b,node-c ONLINE/);
  assert.match(out, /pools 6 True/);
  assert.match(out, /rds cli-vol/);
  assert.match(out, /resources 3 \['Diskless', 'UpToDate', 'UpToDate'\]/);
  assert.match(out, /snapshots cli-snap/);
  assert.match(out, /dup True True/);
  assert.match(out, /rgs DfltRscGrp 2 0/);
  assert.match(out, /remotes 0/);
  assert.match(out, /kvs 0/);
});

test.run();
