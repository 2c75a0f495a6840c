/**
 * Resource life cycle shared by the REST areas: creating and deleting resources, the automatic
 * tie-breaker and LINSTOR-managed quorum (CtrlRscAutoTieBreakerHelper / CtrlRscAutoQuorumHelper).
 */
import type { ApiCallRc } from '../linstor/types.js';
import {
  CREATED,
  DELETED,
  INFO_PROP_SET,
  INFO_TIE_BREAKER_CREATED,
  INFO_TIE_BREAKER_DELETING,
  MASK_CRT,
  MASK_DEL,
  MASK_RSC,
  MASK_RSC_DFN,
  MASK_VLM,
  WARN_NOT_CONNECTED,
} from '../linstor/apicallrc.js';
import type { Core } from './core.js';
import { rc } from './http.js';
import { deployedEntries } from './replies.js';
import {
  DISKLESS_POOL,
  type RdRec,
  type RscRec,
  diskful,
  findNode,
  findPool,
  isDiskless,
  isTieBreaker,
  lowestFree,
  newDrbd,
  rdProp,
  same,
  uuid,
} from './state.js';

export interface NewRsc {
  node: string;
  diskless: boolean;
  tieBreaker?: boolean;
  pool: string;
  props?: Record<string, string>;
}

export function makeRsc(core: Core, rd: RdRec, spec: NewRsc): RscRec {
  const flags = spec.diskless ? ['DISKLESS', 'DRBD_DISKLESS'] : [];
  if (spec.tieBreaker) flags.push('TIE_BREAKER');
  const props: Record<string, string> = { ...(spec.props ?? {}) };
  props['StorPoolName'] = spec.pool;
  const node = findNode(core.state, spec.node);
  return {
    node: node?.name ?? spec.node,
    uuid: uuid(),
    props,
    flags,
    nodeId: lowestFree(
      rd.resources.map((r) => r.nodeId),
      0,
    ),
    createTs: core.now(),
    drbd: newDrbd(),
  };
}

/** Adds a resource to the RD (state only) and returns LINSTOR's create entries. */
export function addRsc(core: Core, rd: RdRec, spec: NewRsc): ApiCallRc[] {
  const rsc = makeRsc(core, rd, spec);
  rd.resources.push(rsc);
  const refs = { RscDfn: rd.name, Node: rsc.node };
  const out: ApiCallRc[] = [
    rc(CREATED, MASK_CRT, MASK_RSC, `New resource '${rd.name}' on node '${rsc.node}' registered.`, {
      details: `Resource '${rd.name}' on node '${rsc.node}' UUID is: ${rsc.uuid}`,
      obj_refs: refs,
    }),
  ];
  for (const vd of rd.vds) {
    out.push(
      rc(CREATED, MASK_CRT, MASK_VLM, `Volume with number '${vd.nr}' on resource '${rd.name}' on node '${rsc.node}' successfully registered`, {
        obj_refs: { ...refs, VlmNr: String(vd.nr) },
      }),
    );
  }
  if (findNode(core.state, rsc.node)?.online) {
    const kind = findPool(core.state, rsc.node, spec.pool)?.kind ?? 'DISKLESS';
    out.push(...deployedEntries(rd.name, rsc.node, spec.diskless ? [] : rd.vds.map((vd) => ({ nr: vd.nr, kind }))));
  } else {
    out.push(
      rc(WARN_NOT_CONNECTED, MASK_CRT, MASK_RSC, `No active connection to satellite '${rsc.node}'`, {
        details: 'The controller is trying to (re-) establish a connection to the satellite. The controller stored the changes and as soon the satellite is connected, it will receive this update.',
        obj_refs: refs,
      }),
    );
  }
  return out;
}

function autoTieBreakerEnabled(core: Core, rd: RdRec): boolean {
  // A tie-breaker is a diskless DRBD voter: nothing to add without DRBD in the stack.
  if (!rd.layerStack.includes('DRBD')) return false;
  const v = (rdProp(core.state, rd, 'DrbdOptions/auto-add-quorum-tiebreaker') ?? 'true').toLowerCase();
  return v === 'true' || v === 'yes';
}

/** Whether the RD needs a tie-breaker: exactly two diskful replicas and no other diskless voter. */
export function needsTieBreaker(rd: RdRec): boolean {
  return diskful(rd).length === 2 && rd.resources.filter((r) => isDiskless(r) && !isTieBreaker(r)).length === 0;
}

export interface Maintenance {
  entries: ApiCallRc[];
  removed: RscRec[];
}

/** Adds or removes the automatic tie-breaker, then updates auto-quorum. */
export function maintain(core: Core, rd: RdRec): Maintenance {
  const entries: ApiCallRc[] = [];
  const removed: RscRec[] = [];
  const tbs = rd.resources.filter(isTieBreaker);
  if (needsTieBreaker(rd) && autoTieBreakerEnabled(core, rd)) {
    if (tbs.length === 0) {
      const node = core.state.nodes
        .filter((n) => n.online && !rd.resources.some((r) => same(r.node, n.name)))
        .map((n) => n.name)
        .sort()[0];
      if (node) {
        const rsc = makeRsc(core, rd, { node, diskless: true, tieBreaker: true, pool: DISKLESS_POOL });
        rd.resources.push(rsc);
        entries.push(
          rc(INFO_TIE_BREAKER_CREATED, MASK_CRT, MASK_RSC, `Tie breaker resource '${rd.name}' created on ${rsc.node}`, {
            obj_refs: { RscDfn: rd.name, Node: rsc.node },
          }),
        );
      }
    }
  } else if (tbs.length > 0) {
    for (const tb of tbs) {
      rd.resources = rd.resources.filter((r) => r !== tb);
      removed.push(tb);
      entries.push(
        rc(INFO_TIE_BREAKER_DELETING, MASK_DEL, MASK_RSC, `Tie breaker marked for deletion`, {
          details: `Tie breaker resource '${rd.name}' on node '${tb.node}' is no longer needed`,
          obj_refs: { RscDfn: rd.name, Node: tb.node },
        }),
      );
    }
  }
  entries.push(...autoQuorum(core, rd));
  return { entries, removed };
}

const QUORUM_KEY = 'DrbdOptions/Resource/quorum';

export function autoQuorum(core: Core, rd: RdRec): ApiCallRc[] {
  const mode = (rdProp(core.state, rd, 'DrbdOptions/auto-quorum') ?? 'suspend-io').toLowerCase();
  if (mode === 'disabled') return [];
  // Quorum is a DRBD option: without DRBD in the stack LINSTOR sends no AutoQuorum messages (measured).
  if (!rd.layerStack.includes('DRBD')) return [];
  if (rd.props[QUORUM_KEY] !== undefined && !rd.quorumByLinstor) return [];
  if (rd.resources.length === 0) return [];
  const want = diskful(rd).length >= 2 && rd.resources.length >= 3 ? 'majority' : 'off';
  const old = rd.props[QUORUM_KEY];
  if (old === want) return [];
  rd.props[QUORUM_KEY] = want;
  rd.quorumByLinstor = true;
  return [
    rc(INFO_PROP_SET, MASK_CRT, MASK_RSC_DFN, `Resource definition '${rd.name}': ${QUORUM_KEY} updated from ${old === undefined ? 'undefined' : `'${old}'`} to '${want}' by AutoQuorum`, {
      obj_refs: { RscDfn: rd.name },
    }),
  ];
}

/** Applies satellite side effects after a change: links/files for the RD, removed resources' links. */
export async function settle(core: Core, rd: RdRec, removed: RscRec[]): Promise<void> {
  for (const r of removed) await core.sats.unlinkRsc(r.node, rd.name);
  if (diskful(rd).length === 0) await core.dropData(rd);
  await core.deployRd(rd);
}

export function deletedEntry(rd: RdRec, rsc: RscRec): ApiCallRc {
  return rc(DELETED, MASK_DEL, MASK_RSC, `Resource '${rd.name}' on node '${rsc.node}' deleted.`, {
    details: `Resource '${rd.name}' on node '${rsc.node}' UUID was: ${rsc.uuid}`,
    obj_refs: { RscDfn: rd.name, Node: rsc.node },
  });
}
