/**
 * What a fresh real controller (LINSTOR 1.33.1, REST API 1.28.0) reports that the emulator has no
 * model behind: the version, the controller's default properties, the default resource group's
 * filter, the node's OS variant and the properties the satellite stamps on volume definitions.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Props } from './state.js';

/** `GET /v1/controller/version` in the real form (a release number and the build's git hash). */
export const EMULATED_VERSION = {
  version: '1.33.1',
  git_hash: createHash('sha1').update('linstor-csi emulator 1.33.1').digest('hex'),
  build_time: '2025-11-03T08:41:22+00:00',
  rest_api_version: '1.28.0',
};

/** The real controller's default filter for `DfltRscGrp`. */
export const DEFAULT_RG_PLACE_COUNT = 2;

function connector(name: string, port: string, ssl: boolean): Props {
  const base: Props = {
    [`NetCom/${name}/bindaddress`]: '::0',
    [`NetCom/${name}/enabled`]: 'true',
    [`NetCom/${name}/port`]: port,
    [`NetCom/${name}/type`]: ssl ? 'ssl' : 'plain',
  };
  if (!ssl) return base;
  return {
    ...base,
    [`NetCom/${name}/keyPasswd`]: 'linstor',
    [`NetCom/${name}/keyStore`]: 'ssl/keystore.jks',
    [`NetCom/${name}/keyStorePasswd`]: 'linstor',
    [`NetCom/${name}/sslProtocol`]: 'TLSv1.2',
    [`NetCom/${name}/trustStore`]: 'ssl/certificates.jks',
    [`NetCom/${name}/trustStorePasswd`]: 'linstor',
  };
}

/** The properties a fresh controller database holds (`GET /v1/controller/properties`). */
export function defaultControllerProps(clusterId: string): Props {
  return {
    'Cluster/LocalID': clusterId,
    'DrbdOptions/AutoEvictAllowEviction': 'True',
    'DrbdOptions/auto-add-quorum-tiebreaker': 'True',
    'DrbdOptions/auto-diskful-allow-cleanup': 'True',
    'DrbdOptions/auto-verify-algo-allowed-list': 'crct10dif;crc32c;sha384;sha512;sha256;sha1;md5',
    'DrbdOptions/Net/rr-conflict': 'retry-connect',
    'DrbdOptions/Resource/on-no-data-accessible': 'suspend-io',
    'DrbdOptions/Resource/on-no-quorum': 'suspend-io',
    'DrbdOptions/Resource/on-suspended-primary-outdated': 'force-secondary',
    ...connector('DebugSslConnector', '3373', true),
    ...connector('PlainConnector', '3376', false),
    ...connector('SslConnector', '3377', true),
    defaultDebugSslConnector: 'DebugSslConnector',
    defaultPlainConSvc: 'PlainConnector',
    defaultSslConSvc: 'SslConnector',
  };
}

let osVariant: string | undefined;
/** The satellite reports its host's `PRETTY_NAME`; the emulated satellites share this host. */
export function hostOsVariant(): string {
  if (osVariant !== undefined) return osVariant;
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    osVariant = m?.[1] ?? 'Linux';
  } catch {
    osVariant = 'Linux';
  }
  return osVariant;
}

/**
 * The properties the controller and satellite stamp on a volume definition: DRBD's current
 * generation id (DRBD in the stack), the device's block size and the pool's allocation granularity.
 */
export function stampedVdProps(seed: string, drbd: boolean, granularityKib: number): Props {
  const gi = createHash('sha1').update(seed).digest('hex').slice(0, 16).toUpperCase();
  const out: Props = { 'DrbdOptions/Disk/block-size': '512', 'StorDriver/internal/AllocationGranularity': String(granularityKib) };
  return drbd ? { DrbdCurrentGi: gi, ...out } : out;
}
