/**
 * ApiCallRc reply builders for the entry lists the real controller sends: the satellites' own
 * entries (which come after the controller's), deletion steps, and the op/obj bits of steps
 * answered in another context.
 */
import { DELETED, MASK_BITS_CODE, MASK_BITS_TYPE, MASK_CRT, MASK_DEL, MASK_MOD, MASK_RSC, MASK_RSC_DFN, MODIFIED, makeRetCode, toUnsigned } from '../linstor/apicallrc.js';
import type { ApiCallRc } from '../linstor/types.js';
import { apiCallRc, type ApiCallRcInit } from '../linstor/apicallrc.js';

function rc(code: bigint, op: bigint, obj: bigint, message: string, init: Omit<ApiCallRcInit, 'message'> = {}): ApiCallRc {
  return apiCallRc(code, op, obj, { ...init, message });
}

/** The entry with its op/obj bits replaced (the controller answers some steps in another context). */
export function withBits(e: ApiCallRc, op: bigint, obj: bigint): ApiCallRc {
  const code = toUnsigned(e.ret_code) & (MASK_BITS_TYPE | MASK_BITS_CODE);
  return { ...e, ret_code: makeRetCode(code, op, obj) };
}

/** Entries a satellite sent: the controller lists them after its own. */
const fromSatellite = new WeakSet<ApiCallRc>();

export function satellite(e: ApiCallRc): ApiCallRc {
  fromSatellite.add(e);
  return e;
}

/** The controller's entries first, then the satellites', each in the order they were made. */
export function controllerFirst(entries: readonly ApiCallRc[]): ApiCallRc[] {
  return [...entries.filter((e) => !fromSatellite.has(e)), ...entries.filter((e) => fromSatellite.has(e))];
}

/** How a satellite names a storage provider in its messages (FILE_THIN as measured: "FILE THIN"). */
const PROVIDER_TEXT: Record<string, string> = { LVM_THIN: 'LVM-Thin', ZFS_THIN: 'ZFS-Thin', ZFS: 'ZFS', LVM: 'LVM' };

export function providerText(kind: string): string {
  return PROVIDER_TEXT[kind] ?? kind.replace(/_/g, ' ');
}

/** A satellite's answer to deploying a resource: its storage volumes, then the resource (MODIFIED). */
export function deployedEntries(rd: string, node: string, volumes: readonly { nr: number; kind: string }[]): ApiCallRc[] {
  const refs = { RscDfn: rd, Node: node };
  const out = volumes.map((v) =>
    satellite(rc(MODIFIED, MASK_CRT, MASK_RSC, `(${node}) Volume number ${v.nr} of resource '${rd}' [${providerText(v.kind)}] created`, { obj_refs: { ...refs, VlmNr: String(v.nr) } })),
  );
  out.push(satellite(rc(MODIFIED, MASK_CRT, MASK_RSC, `Created resource '${rd}' on '${node}'`, { obj_refs: refs })));
  return out;
}

/** Deleting a resource: marked, the satellite's clean-up, complete. */
export function resourceDeletion(rd: string, node: string, rscUuid: string, online: boolean): ApiCallRc[] {
  const refs = { RscDfn: rd, Node: node };
  const out = [rc(DELETED, MASK_DEL, MASK_RSC, `Node: ${node}, Resource: ${rd} marked for deletion.`, { details: `Node: ${node}, Resource: ${rd} UUID is: ${rscUuid}`, obj_refs: refs })];
  if (online) out.push(satellite(rc(DELETED, MASK_DEL, MASK_RSC, `Deleted '${rd}' on '${node}'`, { obj_refs: refs })));
  out.push(satellite(rc(DELETED, MASK_DEL, MASK_RSC, `Node: ${node}, Resource: ${rd} deletion complete.`, { details: `Node: ${node}, Resource: ${rd} UUID was: ${rscUuid}`, obj_refs: refs })));
  return out;
}

/** Deleting a resource definition: marked, each online satellite's clean-up, complete. */
export function rdDeletion(rd: string, rdUuid: string, onlineNodes: readonly string[]): ApiCallRc[] {
  const refs = { RscDfn: rd };
  return [
    rc(DELETED, MASK_DEL, MASK_RSC_DFN, `Resource definition '${rd}' marked for deletion.`, { details: `Resource definition '${rd}' UUID is: ${rdUuid}`, obj_refs: refs }),
    ...onlineNodes.map((n) => satellite(rc(DELETED, MASK_DEL, MASK_RSC_DFN, `Deleted '${rd}' on '${n}'`, { obj_refs: { ...refs, Node: n } }))),
    satellite(rc(DELETED, MASK_DEL, MASK_RSC_DFN, `Resource definition '${rd}' deletion complete.`, { details: `Resource definition '${rd}' UUID was: ${rdUuid}`, obj_refs: refs })),
  ];
}

/** A satellite's answer to a grown volume definition. */
export function resizedEntries(rd: string, nr: number, nodes: readonly string[]): ApiCallRc[] {
  return nodes.flatMap((n) => [
    satellite(rc(MODIFIED, MASK_MOD, MASK_RSC, `(${n}) Updated volume ${nr} of resource '${rd}'`, { obj_refs: { RscDfn: rd, Node: n, VlmNr: String(nr) } })),
    satellite(rc(MODIFIED, MASK_MOD, MASK_RSC, `Resized resource '${rd}' on '${n}'`, { obj_refs: { RscDfn: rd, Node: n } })),
  ]);
}
