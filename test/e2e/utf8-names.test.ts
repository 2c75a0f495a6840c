// Names and ids that are not valid UTF-8 are refused by their raw bytes (issue 11, item 3): sent
// as raw protobuf over the socket, since any client library would encode them as valid UTF-8.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { csiReflection } from '../../src/csi/proto.js';
import { startRig, volumeRequest, type Rig } from './harness.js';

let rig: Rig | undefined;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a'] });
});
test.after(async () => {
  await rig?.stop();
});

/** `msg` encoded as `type`, with the bytes of `marker` (ASCII, once in the encoding) replaced by `raw`. */
function encodeWith(type: string, msg: object, marker: string, raw: number[]): Buffer {
  const t = csiReflection().lookupType(type);
  const buf = Buffer.from(t.encode(t.fromObject(msg)).finish());
  const at = buf.indexOf(Buffer.from(marker, 'latin1'));
  assert.ok(at >= 0 && buf.indexOf(Buffer.from(marker, 'latin1'), at + 1) < 0, 'marker appears once');
  assert.is(raw.length, marker.length, 'same length keeps the framing');
  Buffer.from(raw).copy(buf, at);
  return buf;
}

/** One unary call with a pre-encoded request; resolves with the gRPC status code and details. */
function rawCall(address: string, path: string, body: Buffer): Promise<{ code: number; details: string; response?: Buffer }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, (err, res) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', response: res as Buffer });
    });
  });
}

test('CreateVolume names "pvc-utf8-\\xff" and "pvc-utf8-\\xfe" are INVALID_ARGUMENT, and create nothing', async () => {
  const r = rig as Rig;
  const addr = r.driver('node-a').address;
  for (const byte of [0xff, 0xfe]) {
    const body = encodeWith('csi.v1.CreateVolumeRequest', volumeRequest('pvc-utf8-Z', { replicas: 1 }), 'Z', [byte]);
    const res = await rawCall(addr, '/csi.v1.Controller/CreateVolume', body);
    assert.is(res.code, grpc.status.INVALID_ARGUMENT, `0x${byte.toString(16)}: ${res.details}`);
    assert.match(res.details, /^name is not valid UTF-8/);
  }
  const rds = (await (await fetch(`${r.emu.url}/v1/resource-definitions`)).json()) as unknown[];
  assert.is(rds.length, 0, 'no resource definition was created');
});

test('invalid UTF-8 anywhere in a request is named by its field path: map values, nested and repeated strings, ids', async () => {
  const addr = (rig as Rig).driver('node-a').address;
  const withParam = { ...volumeRequest('pvc-ok-name', { replicas: 1 }), parameters: { 'linstor.csi.linbit.com/storagePool': 'thin-poolQ' } };
  let res = await rawCall(addr, '/csi.v1.Controller/CreateVolume', encodeWith('csi.v1.CreateVolumeRequest', withParam, 'Q', [0xc3]));
  assert.is(res.code, grpc.status.INVALID_ARGUMENT);
  assert.match(res.details, /^parameters\["linstor.csi.linbit.com\/storagePool"\] is not valid UTF-8/);
  const withFs = { ...volumeRequest('pvc-ok-name', { replicas: 1 }), volume_capabilities: [{ mount: { fs_type: 'ext4Q', mount_flags: [] }, access_mode: { mode: 1 } }] };
  res = await rawCall(addr, '/csi.v1.Controller/CreateVolume', encodeWith('csi.v1.CreateVolumeRequest', withFs, 'Q', [0x80]));
  assert.match(res.details, /^volume_capabilities\[0\]\.mount\.fs_type is not valid UTF-8/);
  res = await rawCall(addr, '/csi.v1.Controller/DeleteVolume', encodeWith('csi.v1.DeleteVolumeRequest', { volume_id: 'pvc-Q' }, 'Q', [0xed]));
  assert.is(res.code, grpc.status.INVALID_ARGUMENT);
  assert.match(res.details, /^volume_id is not valid UTF-8/);
  // Valid multi-byte UTF-8 is not refused for its bytes (the name then gets a derived LINSTOR name).
  res = await rawCall(addr, '/csi.v1.Controller/DeleteVolume', encodeWith('csi.v1.DeleteVolumeRequest', { volume_id: 'pvc-QQ' }, 'QQ', [0xc3, 0xa9]));
  assert.not.match(res.details, /UTF-8/);
});

test.run();
