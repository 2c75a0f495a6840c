/**
 * The emulator's core: the state, one lock for mutations (each a transaction: a failed request
 * leaves the state as it was), persistence after every mutation, and the emulated satellites.
 */
import { DEFAULT_RG_PLACE_COUNT, defaultControllerProps } from './defaults.js';
import { rm } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { allFiles, linkFile } from './replication.js';
import { Satellites } from './satellite.js';
import { quorumIoRecords, releaseAllQuorumIo, syncQuorumIo } from './quorum-io.js';
import { Store, loadState } from './store.js';
import {
  DEFAULT_RG,
  DISKLESS_POOL,
  type EmuState,
  type RdRec,
  type RscRec,
  type VdRec,
  diskful,
  emptyState,
  findNode,
  findRd,
  isDiskless,
  rscPool,
  same,
  uuid,
} from './state.js';
import type { ProviderKind } from './providers.js';

export interface CoreConfig {
  stateDir: string;
  nodes: string[];
  poolSizeKib: number;
  poolName: string;
  /** Provider of each node's pool in a new state dir (default LVM_THIN). */
  poolProvider?: ProviderKind;
  log: Logger;
  clock: Clock;
  /** How long a returning node's replicas stay Outdated (emulated resync), ms. */
  resyncMs: number;
}

export class Core {
  state: EmuState = emptyState();
  readonly sats: Satellites;
  private readonly store: Store;
  private lock: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Set by releaseIo()/stop(): on-no-quorum is no longer applied to mounts. */
  ioReleased = false;
  /** Background jobs (clones) to await on stop. */
  readonly jobs = new Set<Promise<void>>();
  /** Clones whose data is copied but whose devices are still being deployed: still CLONING to clients. */
  readonly deployingClones = new Set<string>();

  constructor(readonly cfg: CoreConfig) {
    this.sats = new Satellites(cfg.stateDir, cfg.log);
    this.store = new Store(cfg.stateDir);
  }

  get log(): Logger {
    return this.cfg.log;
  }

  now(): number {
    return this.cfg.clock.now();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Loads or creates the state, then re-attaches loop devices and re-creates links.
   * Resolves true when the state dir was new (the node and pool settings were used).
   */
  async init(): Promise<boolean> {
    const loaded = await loadState(this.cfg.stateDir);
    this.state = loaded ?? this.freshState();
    if (!loaded) await this.store.save(this.state);
    for (const n of this.state.nodes) await this.sats.clearLinks(n.name);
    for (const rd of this.state.rds) {
      if (rd.flags.includes('CLONING')) {
        // A clone interrupted by a stop cannot resume: report it as failed, as LINSTOR would.
        rd.flags = rd.flags.filter((f) => f !== 'CLONING').concat('FAILED');
      }
      await this.deployRd(rd);
    }
    // A previous run that died with a filesystem frozen: thaw it, then apply what the state says.
    await releaseAllQuorumIo(this);
    await syncQuorumIo(this, new Map());
    return !loaded;
  }

  private freshState(): EmuState {
    const s = emptyState();
    s.controllerProps = defaultControllerProps(uuid());
    s.rgs.push({ name: DEFAULT_RG, uuid: uuid(), props: {}, selectFilter: { place_count: DEFAULT_RG_PLACE_COUNT } });
    this.cfg.nodes.forEach((name, i) => {
      s.nodes.push({
        name,
        uuid: uuid(),
        address: `10.77.0.${i + 1}`,
        online: true,
        props: {
          CurStltConnName: 'default',
          NodeUname: name,
          'Aux/topology/linbit.com/hostname': name,
          'Aux/topology/kubernetes.io/hostname': name,
        },
      });
      s.pools.push({
        node: name,
        name: this.cfg.poolName,
        kind: this.cfg.poolProvider ?? 'LVM_THIN',
        uuid: uuid(),
        props: { 'StorDriver/StorPoolName': `linstor_vg/${this.cfg.poolName}` },
        totalKib: this.cfg.poolSizeKib,
      });
      s.pools.push({ node: name, name: DISKLESS_POOL, kind: 'DISKLESS', uuid: uuid(), props: {}, totalKib: 0 });
    });
    return s;
  }

  /** Runs `fn` alone; the state is restored if it throws, and persisted afterwards. */
  mutate<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.lock.then(async () => {
      const before = structuredClone(this.state);
      const applied = quorumIoRecords(this);
      try {
        const r = await fn();
        await syncQuorumIo(this, applied);
        await this.store.save(this.state);
        return r;
      } catch (e) {
        this.state = before;
        throw e;
      }
    });
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Thaws everything under the lock and stops applying on-no-quorum (shutdown paths). */
  releaseIo(): Promise<void> {
    this.ioReleased = true;
    return this.mutate(() => releaseAllQuorumIo(this));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.jobs]);
    await this.lock;
    // Nothing may stay frozen: an unmount of a frozen filesystem never returns.
    this.ioReleased = true;
    await releaseAllQuorumIo(this);
    await this.store.save(this.state);
    // The by-res links would dangle at /dev/loopN numbers that the kernel hands to the next
    // user; a node plugin still running must find no device rather than somebody else's.
    for (const n of this.state.nodes) await this.sats.clearLinks(n.name);
    await this.sats.detachAll();
  }

  // ------------------------------------------------------------------------------------------
  // Satellite side effects
  // ------------------------------------------------------------------------------------------

  volFile(rd: RdRec, vd: VdRec): string {
    return `volumes/${rd.uuid}/${vd.nr}.img`;
  }

  /**
   * Makes the satellites match the state for one RD: backing files while a diskful replica
   * exists, loop devices, and links on every online node holding a resource.
   */
  async deployRd(rd: RdRec): Promise<void> {
    if (rd.flags.includes('CLONING')) return;
    const hasDisk = diskful(rd).length > 0;
    for (const vd of rd.vds) {
      if (!hasDisk) continue;
      if (!vd.file) {
        vd.file = this.volFile(rd, vd);
        await this.sats.createFile(vd.file, vd.sizeKib);
      } else if (!(await this.sats.fileExists(vd.file))) {
        this.log.warn({ rd: rd.name, vol: vd.nr }, 'backing file missing; re-created empty');
        await this.sats.createFile(vd.file, vd.sizeKib);
      }
      await this.sats.attach(vd.file);
      for (const r of rd.resources) {
        // Each node sees its own copy while the replicas are apart (replication.ts).
        const file = linkFile(this.state, rd, vd, r) ?? vd.file;
        if (findNode(this.state, r.node)?.online) await this.sats.link(r.node, rd.name, vd.nr, await this.sats.attach(file));
        else await this.sats.unlinkVol(r.node, rd.name, vd.nr);
      }
    }
    if (!hasDisk) for (const r of rd.resources) await this.sats.unlinkRsc(r.node, rd.name);
  }

  /** Removes a resource's links; drops the data when no diskful replica is left. */
  async undeployRsc(rd: RdRec, rsc: RscRec): Promise<void> {
    await this.sats.unlinkRsc(rsc.node, rd.name);
    if (diskful(rd).length === 0) await this.dropData(rd);
  }

  async dropData(rd: RdRec): Promise<void> {
    for (const vd of rd.vds) {
      for (const f of allFiles(vd)) await this.sats.removeFile(f);
      delete vd.file;
      delete vd.split;
    }
    for (const r of rd.resources) await this.sats.unlinkRsc(r.node, rd.name);
  }

  async removeVdData(rd: RdRec, vd: VdRec): Promise<void> {
    for (const r of rd.resources) await this.sats.unlinkVol(r.node, rd.name, vd.nr);
    for (const f of allFiles(vd)) await this.sats.removeFile(f);
    delete vd.file;
    delete vd.split;
  }

  async removeRdData(rd: RdRec): Promise<void> {
    await this.dropData(rd);
    await rm(this.sats.abs(`volumes/${rd.uuid}`), { recursive: true, force: true });
  }

  /** Used KiB per (node, pool): the provisioned size of every diskful volume there. */
  usedKib(node: string, pool: string): number {
    let used = 0;
    for (const rd of this.state.rds) {
      const sizes = rd.vds.reduce((a, v) => a + v.sizeKib, 0);
      for (const r of rd.resources) {
        if (!isDiskless(r) && same(r.node, node) && same(rscPool(r), pool)) used += sizes;
      }
    }
    return used;
  }

  freeKib(node: string, pool: string): number {
    const p = this.state.pools.find((x) => same(x.node, node) && same(x.name, pool));
    if (!p) return 0;
    if (p.kind === 'DISKLESS') return Number.MAX_SAFE_INTEGER;
    return Math.max(0, p.totalKib - this.usedKib(node, pool));
  }

  rdByName(name: string): RdRec | undefined {
    return findRd(this.state, name);
  }

  /** Tracks a background job so stop() can wait for it. */
  track(p: Promise<void>): void {
    this.jobs.add(p);
    void p.finally(() => this.jobs.delete(p));
  }
}
