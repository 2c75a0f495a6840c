/**
 * ApiCallRc reply builders, as the real controller answers: one entry from a code plus op/obj
 * masks, the HTTP status a reply list is sent with, and the entry lists it sends: the satellites'
 * own entries (which come after the controller's), deletion steps, and the op/obj bits of steps
 * answered in another context.
 */
import {
  API_CALL_PARSE_ERROR,
  DELETED,
  FAIL_SIGN_IN,
  FAIL_SIGN_IN_MISSING_CREDENTIALS,
  MASK_BITS_CODE,
  MASK_BITS_TYPE,
  MASK_CRT,
  MASK_DEL,
  MASK_MOD,
  MASK_RSC,
  MASK_RSC_DFN,
  MODIFIED,
  codeOf,
  isError,
  makeRetCode,
  retCodeIs,
  toUnsigned,
} from '../linstor/apicallrc.js';
import type { ApiCallRc } from '../linstor/types.js';

/** A reply entry without its ret_code (built from code | op | obj). */
export type ApiCallRcInit = Omit<ApiCallRc, 'ret_code'>;

/** Builds an entry with a signed ret_code from a code constant plus op/obj masks. */
export function apiCallRc(code: bigint, op: bigint, obj: bigint, init: ApiCallRcInit): ApiCallRc {
  const rc: ApiCallRc = { ret_code: makeRetCode(code, op, obj), message: init.message };
  if (init.cause) rc.cause = init.cause;
  if (init.details) rc.details = init.details;
  if (init.correction) rc.correction = init.correction;
  if (init.error_report_ids && init.error_report_ids.length > 0) rc.error_report_ids = init.error_report_ids;
  if (init.obj_refs && Object.keys(init.obj_refs).length > 0) rc.obj_refs = init.obj_refs;
  if (init.created_at) rc.created_at = init.created_at;
  return rc;
}

/**
 * The HTTP status the controller would send for a reply list (ApiCallRcRestUtils.toResponse):
 * the first error decides; otherwise `okStatus`.
 */
export function httpStatusFor(entries: readonly ApiCallRc[], okStatus: number): number {
  for (const e of entries) {
    if (!isError(e.ret_code)) continue;
    const u = toUnsigned(e.ret_code);
    if (u === API_CALL_PARSE_ERROR) return 400;
    const c = codeOf(e.ret_code);
    if (u === FAIL_SIGN_IN_MISSING_CREDENTIALS || retCodeIs(u, FAIL_SIGN_IN_MISSING_CREDENTIALS)) return 401;
    if (c >= 300 && c <= 399) return 404;
    if ((c >= 400 && c <= 499) || retCodeIs(u, FAIL_SIGN_IN)) return 403;
    return 500;
  }
  return okStatus;
}

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
