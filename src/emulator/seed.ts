/**
 * Bulk seeding for benchmarks: N resource definitions with one volume and diskful replicas,
 * written to the state in one mutation (one save), without backing files or loop devices. The
 * REST views render them like volumes that were never deployed (no device paths); everything
 * else (listing, props, sizes, DRBD state) is as for volumes created through the API. Creating
 * thousands of volumes through the API would attach a loop device for each.
 */
import { randomBytes } from 'node:crypto';
import type { Core } from './core.js';
import { DEFAULT_RG, MINOR_BASE, PORT_BASE, type Props, type RdRec, findRd, findRg, newDrbd, uuid } from './state.js';

export interface SeedSpec {
  /** Names are `${prefix}${i}` for i in [0, count). */
  prefix: string;
  count: number;
  sizeKib: number;
  /** Nodes holding a diskful replica (default: the first two nodes). */
  nodes?: string[];
  /** Storage pool of the replicas (default: the emulator's pool). */
  pool?: string;
  rg?: string;
  /** Props of every RD (e.g. the driver's provisioning marker). */
  props?: Props;
}

export class SeedError extends Error {}

export function seedVolumes(core: Core, spec: SeedSpec): number {
  const s = core.state;
  if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > 100_000) throw new SeedError('count must be an integer in [1, 100000]');
  if (!Number.isInteger(spec.sizeKib) || spec.sizeKib < 1) throw new SeedError('sizeKib must be a positive integer');
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(spec.prefix)) throw new SeedError('prefix must be a valid resource name start');
  const nodes = spec.nodes ?? s.nodes.slice(0, 2).map((n) => n.name);
  const rg = findRg(s, spec.rg ?? DEFAULT_RG);
  if (!rg) throw new SeedError(`resource group '${spec.rg ?? ''}' not found`);
  for (const n of nodes) if (!s.nodes.some((x) => x.name.toUpperCase() === n.toUpperCase())) throw new SeedError(`node '${n}' not found`);
  let port = Math.max(PORT_BASE - 1, ...s.rds.map((r) => r.port));
  let minor = Math.max(MINOR_BASE - 1, ...s.rds.flatMap((r) => r.vds.map((v) => v.minor)));
  const now = core.now();
  for (let i = 0; i < spec.count; i++) {
    const name = `${spec.prefix}${i}`;
    if (findRd(s, name)) throw new SeedError(`resource definition '${name}' already exists`);
    const rd: RdRec = {
      name,
      uuid: uuid(),
      props: { ...(spec.props ?? {}) },
      flags: [],
      layerStack: ['DRBD', 'STORAGE'],
      rg: rg.name,
      port: ++port,
      secret: randomBytes(15).toString('base64url').slice(0, 20),
      peerSlots: rg.peerSlots ?? 7,
      vds: [{ nr: 0, uuid: uuid(), sizeKib: spec.sizeKib, props: {}, flags: [], minor: ++minor }],
      resources: nodes.map((node, nodeId) => ({
        node,
        uuid: uuid(),
        props: { StorPoolName: spec.pool ?? core.cfg.poolName },
        flags: [],
        nodeId,
        createTs: now,
        drbd: newDrbd(),
      })),
      quorumByLinstor: false,
    };
    s.rds.push(rd);
  }
  return spec.count;
}
