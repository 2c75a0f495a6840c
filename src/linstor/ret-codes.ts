/**
 * The one table from LINSTOR ret_codes (the low 15 bits, as listed in LINSTOR's consts.json) to
 * gRPC codes, by what the code means — never by HTTP status (LINSTOR answers most errors with
 * 500). UNAVAILABLE only for what can succeed later without anyone changing anything (satellite
 * not connected, a timed-out script, a cloud cooldown); a permanent refusal must not make the
 * sidecars retry forever. docs/errors.md prints this table.
 */
import { Code } from '../csi/errors.js';

export interface RetCodeRule {
  /** Inclusive range of codes (codeOf(ret_code)). */
  from: number;
  to: number;
  /** LINSTOR's names for the codes. */
  names: string;
  grpc: Code;
  why: string;
}

const rule = (from: number, to: number, names: string, grpc: Code, why: string): RetCodeRule => ({ from, to, names, grpc, why });

/** First match wins: single codes come before the ranges they sit in. */
export const RET_CODE_TABLE: readonly RetCodeRule[] = [
  rule(100, 101, 'FAIL_SQL, FAIL_SQL_ROLLBACK', Code.INTERNAL, 'the controller database failed'),
  rule(233, 233, 'FAIL_NODE_HAS_USED_RSC', Code.FAILED_PRECONDITION, 'the node still holds resources in use'),
  rule(243, 243, 'FAIL_INVLD_RSC_STATE', Code.FAILED_PRECONDITION, 'the resource is not in a state that allows this'),
  rule(200, 299, 'FAIL_INVLD_* (name, size, property, layer stack, request, …)', Code.INVALID_ARGUMENT, 'the request holds a value LINSTOR rejects'),
  rule(300, 399, 'FAIL_NOT_FOUND_*', Code.NOT_FOUND, 'the object does not exist'),
  rule(400, 499, 'FAIL_ACC_DENIED_*', Code.PERMISSION_DENIED, 'the LINSTOR user may not do this'),
  rule(521, 521, 'FAIL_LOST_STOR_POOL', Code.FAILED_PRECONDITION, 'the storage pool is lost on its node'),
  rule(500, 599, 'FAIL_EXISTS_*', Code.ALREADY_EXISTS, 'an object with that name exists'),
  rule(605, 605, 'FAIL_MISSING_STLT_CONN', Code.UNAVAILABLE, 'the satellite is not connected; it can come back'),
  rule(609, 609, 'FAIL_NO_STLT_CONN_DEFINED', Code.FAILED_PRECONDITION, 'the node has no satellite connection configured'),
  rule(600, 699, 'FAIL_MISSING_* (properties, netcom, external name, NVMe/EBS target)', Code.FAILED_PRECONDITION, 'configuration the operation needs is missing'),
  rule(700, 799, 'FAIL_UUID_*', Code.ABORTED, 'the object changed concurrently; retry the whole operation'),
  rule(800, 899, 'FAIL_POOL_EXHAUSTED_* (volume numbers, minors, ports, node ids)', Code.RESOURCE_EXHAUSTED, 'a LINSTOR number pool is used up'),
  rule(971, 971, 'FAIL_SNAPSHOT_ROLLBACK_IN_PROGRESS', Code.ABORTED, 'another operation is running on the volume'),
  rule(972, 972, 'FAIL_SP_MIXING_NOT_ALLOWED', Code.FAILED_PRECONDITION, 'the pools of the replicas may not be mixed'),
  rule(973, 973, 'FAIL_EBS_COOLDOWN', Code.UNAVAILABLE, 'a cloud rate limit; succeeds after the cooldown'),
  rule(974, 974, 'FAIL_NOT_ALL_UPTODATE', Code.FAILED_PRECONDITION, 'a replica is not UpToDate'),
  rule(975, 975, 'FAIL_EVACUATING', Code.FAILED_PRECONDITION, 'the node is being evacuated'),
  rule(976, 978, 'FAIL_BACKUP_UNKNOWN_CLUSTER, FAIL_DEPENDEND_BACKUP, FAIL_BACKUP_INCOMPATIBLE_VERSION', Code.FAILED_PRECONDITION, 'the backup cannot be used'),
  rule(979, 979, 'FAIL_SNAPSHOT_NOT_UPTODATE', Code.FAILED_PRECONDITION, 'the snapshot is not complete'),
  rule(980, 980, 'FAIL_NOT_ENOUGH_FREE_SPACE', Code.RESOURCE_EXHAUSTED, 'not enough free space in the pools'),
  rule(981, 981, 'FAIL_ONLY_ONE_ACT_RSC_PER_SHARED_STOR_POOL_ALLOWED', Code.FAILED_PRECONDITION, 'a shared pool allows one active resource'),
  rule(982, 982, 'FAIL_CRYPT_INIT', Code.FAILED_PRECONDITION, 'the LINSTOR master passphrase is not set'),
  rule(983, 983, 'FAIL_SNAPSHOT_SHIPPING_NOT_SUPPORTED', Code.FAILED_PRECONDITION, 'the storage cannot ship snapshots'),
  rule(984, 984, 'FAIL_SNAPSHOT_SHIPPING_IN_PROGRESS', Code.ABORTED, 'a shipping of the volume is running'),
  rule(985, 985, 'FAIL_UNDECIDABLE_AUTOPLACMENT', Code.FAILED_PRECONDITION, 'the placement rules cannot be decided'),
  rule(986, 987, 'FAIL_PRE_SELECT_SCRIPT_DID_NOT_TERMINATE, FAIL_LINSTOR_MANAGED_SATELLITE_DID_NOT_START_PROPERLY', Code.UNAVAILABLE, 'a helper timed out or is starting; can succeed later'),
  rule(988, 989, 'FAIL_STLT_DOES_NOT_SUPPORT_LAYER, FAIL_STLT_DOES_NOT_SUPPORT_PROVIDER', Code.FAILED_PRECONDITION, 'the satellite lacks the layer or provider'),
  rule(990, 990, 'FAIL_STOR_POOL_CONFIGURATION_ERROR', Code.FAILED_PRECONDITION, 'the storage pool is misconfigured'),
  rule(991, 991, 'FAIL_INSUFFICIENT_REPLICA_COUNT', Code.FAILED_PRECONDITION, 'too few replicas would remain'),
  rule(992, 992, 'FAIL_RSC_BUSY', Code.ABORTED, 'the resource is busy with another operation'),
  rule(993, 993, 'FAIL_INSUFFICIENT_PEER_SLOTS', Code.RESOURCE_EXHAUSTED, 'no DRBD peer slot is free'),
  rule(994, 994, 'FAIL_SNAPSHOTS_NOT_SUPPORTED', Code.FAILED_PRECONDITION, 'the pool\'s provider cannot take snapshots'),
  rule(995, 995, 'FAIL_NOT_CONNECTED', Code.UNAVAILABLE, 'a satellite is offline; it can come back'),
  rule(996, 996, 'FAIL_NOT_ENOUGH_NODES', Code.RESOURCE_EXHAUSTED, 'not enough nodes for the placement'),
  rule(997, 997, 'FAIL_IN_USE', Code.FAILED_PRECONDITION, 'the volume is in use (Primary somewhere)'),
  rule(998, 999, 'FAIL_UNKNOWN_ERROR, FAIL_IMPL_ERROR', Code.INTERNAL, 'a LINSTOR bug or unexpected failure; see its error report'),
  rule(10000, 10001, 'FAIL_SIGN_IN, FAIL_SIGN_IN_MISSING_CREDENTIALS', Code.UNAUTHENTICATED, 'the LINSTOR credentials are wrong or missing'),
];

/** The gRPC code for a LINSTOR error code (codeOf(ret_code)); undefined for codes the table does not know. */
export function grpcCodeForRetCode(code: number): Code | undefined {
  return RET_CODE_TABLE.find((r) => code >= r.from && code <= r.to)?.grpc;
}
