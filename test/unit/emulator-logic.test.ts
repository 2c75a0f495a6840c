import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validNodeName, validPoolName, validRscName } from '../../src/emulator/names.js';
import { place } from '../../src/emulator/placement.js';
import { type EmuState, type RdRec, emptyState, newDrbd } from '../../src/emulator/state.js';
import { quorumIoMode, resourceView, runTool, statusJson, statusText } from '../../src/emulator/drbd.js';

test('LINSTOR name rules', () => {
  for (const ok of ['ab', '_x', 'pvc-0a1b', 'A'.repeat(48)]) assert.ok(validRscName(ok), ok);
  for (const bad of ['a', '1ab', '-ab', 'a.b', 'A'.repeat(49), 'all', 'PROXY', '']) assert.not.ok(validRscName(bad), bad);
  assert.ok(validPoolName('thin-pool'));
  assert.not.ok(validPoolName('ab'));
  assert.ok(validNodeName('node-a'));
  assert.not.ok(validNodeName('-x'));
});

function cluster(): EmuState {
  const s = emptyState();
  ['a', 'b', 'c', 'd'].forEach((n, i) => {
    s.nodes.push({ name: `n${n}`, uuid: n, address: `10.0.0.${i}`, online: true, props: { 'Aux/rack': i < 2 ? 'r1' : 'r2' } });
    s.pools.push({ node: `n${n}`, name: 'p1', kind: 'LVM_THIN', uuid: `p${n}`, props: {}, totalKib: 1000 * (i + 1) });
  });
  return s;
}

test('placement: most free first, replicas_on_different, offline excluded', () => {
  const s = cluster();
  const free = (n: string): number => s.pools.find((p) => p.node === n)?.totalKib ?? 0;
  assert.equal(place(s, { rd: undefined, filter: {}, sizeKib: 10, count: 2, freeKib: free })?.nodes, ['nd', 'nc']);
  assert.equal(place(s, { rd: undefined, filter: { replicas_on_different: ['Aux/rack'] }, sizeKib: 10, count: 2, freeKib: free })?.nodes, ['nd', 'nb']);
  const nd = s.nodes.find((n) => n.name === 'nd');
  if (nd) nd.online = false;
  assert.equal(place(s, { rd: undefined, filter: {}, sizeKib: 10, count: 2, freeKib: free })?.nodes, ['nc', 'nb']);
  assert.is(place(s, { rd: undefined, filter: {}, sizeKib: 2500, count: 2, freeKib: free }), undefined);
});

test('drbd: refusal wording and status text', () => {
  const s = cluster();
  const rd: RdRec = {
    name: 'r0', uuid: 'u', props: {}, flags: [], layerStack: ['DRBD', 'STORAGE'], rg: 'DfltRscGrp', port: 7000, secret: 'x', peerSlots: 7,
    vds: [{ nr: 0, uuid: 'v', sizeKib: 1024, props: {}, flags: [], minor: 1000 }],
    resources: [
      { node: 'na', uuid: '1', props: {}, flags: [], nodeId: 0, createTs: 0, drbd: newDrbd() },
      { node: 'nb', uuid: '2', props: {}, flags: [], nodeId: 1, createTs: 0, drbd: newDrbd() },
    ],
    quorumByLinstor: false,
  };
  s.rds.push(rd);
  assert.is(runTool(s, 'na', 'drbdadm', ['primary', 'r0'], 0).code, 0);
  const r = runTool(s, 'nb', 'drbdadm', ['primary', 'r0'], 0);
  assert.is(r.code, 11);
  assert.ok(r.stderr.includes('(-1) Multiple primaries not allowed by config'));
  const txt = statusText([resourceView(s, rd, rd.resources[1] ?? rd.resources[0]!, 0)], false);
  assert.is(txt, 'r0 role:Secondary\n  disk:UpToDate open:no\n  na role:Primary\n    peer-disk:UpToDate\n\n');

  // on-no-quorum: only a Primary without quorum; suspend-io unless io-error is set (RD → … → controller).
  const [na, nb] = [rd.resources[0]!, rd.resources[1]!];
  assert.is(quorumIoMode(s, rd, na), undefined, 'quorum off: always quorate');
  rd.props['DrbdOptions/Resource/quorum'] = 'majority';
  s.partition = [['na'], ['nb']];
  assert.is(quorumIoMode(s, rd, nb), undefined, 'a Secondary is not affected');
  assert.is(quorumIoMode(s, rd, na), 'suspend-io', "DRBD's default");
  const view = (): { 'suspended-quorum': boolean; 'force-io-failures': boolean } => JSON.parse(statusJson([resourceView(s, rd, na, 0)]))[0];
  assert.equal([view()['suspended-quorum'], view()['force-io-failures']], [true, false]);
  s.controllerProps['DrbdOptions/Resource/on-no-quorum'] = 'io-error';
  assert.is(quorumIoMode(s, rd, na), 'io-error');
  assert.equal([view()['suspended-quorum'], view()['force-io-failures']], [false, true]);
  rd.props['DrbdOptions/Resource/on-no-quorum'] = 'suspend-io';
  assert.is(quorumIoMode(s, rd, na), 'suspend-io', 'the RD overrides the controller');
  delete s.partition;
  assert.is(quorumIoMode(s, rd, na), undefined, 'quorum back');
});

test.run();
