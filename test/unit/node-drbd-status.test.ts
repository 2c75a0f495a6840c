import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DrbdStatusParseError, hasUpToDateData, parseDrbdStatusJson, primaryPeers } from '../../src/node-ops/drbd-status.js';
import { volumeCondition } from '../../src/node-service/health.js';

// Shape of DRBD 9.2 / drbd-utils 9.2x `drbdsetup status pvc-1 --json` (two peers, one Primary).
const SAMPLE = `[
{
  "name": "pvc-1",
  "node-id": 0,
  "role": "Secondary",
  "suspended": false,
  "suspended-user": false,
  "suspended-no-data": false,
  "suspended-fencing": false,
  "suspended-quorum": false,
  "force-io-failures": false,
  "write-ordering": "flush",
  "devices": [
    {
      "volume": 0,
      "minor": 1000,
      "disk-state": "UpToDate",
      "client": false,
      "open": false,
      "quorum": true,
      "size": 1048576,
      "read": 0,
      "written": 0,
      "al-writes": 0,
      "bm-writes": 0,
      "upper-pending": 0,
      "lower-pending": 0
    } ],
  "connections": [
    {
      "peer-node-id": 1,
      "name": "node-b",
      "connection-state": "Connected",
      "congested": false,
      "peer-role": "Primary",
      "tls": false,
      "ap-in-flight": 0,
      "rs-in-flight": 0,
      "paths": [ { "this_host": { "address": "10.0.0.1", "port": 7000, "family": "ipv4" }, "remote_host": { "address": "10.0.0.2", "port": 7000, "family": "ipv4" }, "established": true } ],
      "peer_devices": [
        {
          "volume": 0,
          "replication-state": "Established",
          "peer-disk-state": "UpToDate",
          "peer-client": false,
          "resync-suspended": "no",
          "received": 0,
          "sent": 0,
          "out-of-sync": 0,
          "pending": 0,
          "unacked": 0,
          "has-sync-details": false,
          "has-online-verify-details": false,
          "percent-in-sync": 100.00
        } ]
    },
    {
      "peer-node-id": 2,
      "name": "node-c",
      "connection-state": "StandAlone",
      "congested": false,
      "peer-role": "Unknown",
      "ap-in-flight": 0,
      "rs-in-flight": 0,
      "peer_devices": [
        { "volume": 0, "replication-state": "Off", "peer-disk-state": "DUnknown", "peer-client": false, "resync-suspended": "no", "percent-in-sync": 100.00 } ]
    } ]
}
]
`;

// A diskless client (older drbd-utils: no "open", no "quorum").
const DISKLESS = JSON.stringify([
  {
    name: 'pvc-2',
    'node-id': 2,
    role: 'Primary',
    suspended: false,
    'write-ordering': 'none',
    devices: [{ volume: 0, minor: 1001, 'disk-state': 'Diskless', client: true, size: 0 }],
    connections: [
      { 'peer-node-id': 0, name: 'a', 'connection-state': 'Connected', 'peer-role': 'Secondary', peer_devices: [{ volume: 0, 'replication-state': 'Established', 'peer-disk-state': 'UpToDate', 'peer-client': false }] },
    ],
  },
]);

test('parses roles, disks, peers and the underscore peer_devices key', () => {
  const [st] = parseDrbdStatusJson(SAMPLE);
  assert.ok(st);
  assert.is(st.name, 'pvc-1');
  assert.is(st.role, 'Secondary');
  assert.equal(st.devices[0], { volume: 0, minor: 1000, diskState: 'UpToDate', client: false, quorum: true, sizeKib: 1048576, open: false });
  assert.is(st.connections.length, 2);
  assert.equal(st.connections[0]?.peerDevices[0], { volume: 0, replicationState: 'Established', peerDiskState: 'UpToDate', peerClient: false });
  assert.equal(primaryPeers(st), ['node-b']);
  assert.ok(hasUpToDateData(st, 0));
  assert.not.ok(hasUpToDateData(st, 1));
});

test('diskless client: UpToDate data through a connected peer; quorum defaults to true', () => {
  const [st] = parseDrbdStatusJson(DISKLESS);
  assert.ok(st);
  assert.is(st.devices[0]?.quorum, true);
  assert.ok(hasUpToDateData(st, 0));
  st.connections[0]!.connectionState = 'Connecting';
  assert.not.ok(hasUpToDateData(st, 0));
});

test('empty list and malformed input', () => {
  assert.equal(parseDrbdStatusJson('[]'), []);
  assert.throws(() => parseDrbdStatusJson('not json'), (e: unknown) => e instanceof DrbdStatusParseError);
  assert.throws(() => parseDrbdStatusJson('{}'), (e: unknown) => e instanceof DrbdStatusParseError);
  assert.throws(() => parseDrbdStatusJson('[{"name":"x"}]'), /role/);
});

test('volume condition: split brain named with the next step', () => {
  const [st] = parseDrbdStatusJson(SAMPLE);
  const c = volumeCondition({ volumePath: '/t', mounted: true, fsReadOnlyUnexpectedly: false, device: { readable: true }, drbd: st, volume: 0 });
  assert.ok(c.abnormal);
  assert.match(c.message, /node-c is StandAlone \(split brain/);
  assert.match(c.message, /docs\/split-brain.md .*split-brain resolve .* --keep NODE/);
});

test('volume condition: healthy, then each problem on its own', () => {
  const [st] = parseDrbdStatusJson(SAMPLE);
  st!.connections = st!.connections.slice(0, 1);
  const base = { volumePath: '/t', mounted: true, fsReadOnlyUnexpectedly: false, device: { readable: true }, drbd: st, volume: 0 };
  assert.not.ok(volumeCondition(base).abnormal);
  assert.match(volumeCondition({ ...base, mounted: false }).message, /nothing is mounted at \/t/);
  assert.match(volumeCondition({ ...base, fsReadOnlyUnexpectedly: true }).message, /went read-only/);
  assert.match(volumeCondition({ ...base, device: { readable: false, error: 'EIO' } }).message, /I\/O errors \(EIO\)/);
  assert.match(volumeCondition({ ...base, drbd: null, drbdError: 'exit 20' }).message, /DRBD state unknown \(exit 20\)/);
  assert.match(volumeCondition({ ...base, drbd: undefined }).message, /does not know this resource/);
  const outdated = structuredClone(st!);
  outdated.devices[0]!.diskState = 'Outdated';
  assert.match(volumeCondition({ ...base, drbd: outdated }).message, /local DRBD disk is Outdated/);
  const noQuorum = structuredClone(st!);
  noQuorum.devices[0]!.quorum = false;
  assert.match(volumeCondition({ ...base, drbd: noQuorum }).message, /lost quorum/);
});

test.run();
