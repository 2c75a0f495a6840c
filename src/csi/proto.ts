/**
 * Loads the CSI wire contract (proto/csi.proto) once and hands out what the server and the
 * tests need: the typed grpc package, the five service definitions, and the list of fields
 * the spec marks `(csi_secret)` so the logger can redact them by name.
 *
 * The loader options come from ./loader-options.json, which scripts/gen-types.mjs reads too:
 * the generated types in ./generated describe exactly the objects this loader produces.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import loaderJson from './loader-options.json' with { type: 'json' };
import type { ProtoGrpcType } from './generated/csi.js';
import type { IdentityDefinition } from './generated/csi/v1/Identity.js';
import type { ControllerDefinition } from './generated/csi/v1/Controller.js';
import type { GroupControllerDefinition } from './generated/csi/v1/GroupController.js';
import type { SnapshotMetadataDefinition } from './generated/csi/v1/SnapshotMetadata.js';
import type { NodeDefinition } from './generated/csi/v1/Node.js';

/**
 * Directory holding csi.proto. Same relative hop from src/csi/proto.ts (tsx) and from
 * dist/csi/proto.js (compiled): two levels up, then proto/.
 */
export const PROTO_DIR: string = fileURLToPath(new URL('../../proto/', import.meta.url));
export const PROTO_FILE = 'csi.proto';
export const PROTO_PATH: string = join(PROTO_DIR, PROTO_FILE);

/** The proto package every CSI message and service lives in. */
export const CSI_PACKAGE = 'csi.v1';

/** Maps the JSON spelling of `longs`/`enums` to the constructor proto-loader expects. */
function conversion(name: string, value: unknown): StringConstructor | NumberConstructor {
  if (value === 'String') return String;
  if (value === 'Number' && name === 'longs') return Number;
  throw new Error(`src/csi/loader-options.json: unsupported ${name} value ${JSON.stringify(value)}`);
}

/**
 * The one set of @grpc/proto-loader options: wire (snake_case) field names, 64-bit integers
 * as decimal strings, enums as their names, defaults for unset fields (unset messages are
 * null), and a virtual field naming the member set in each oneof (e.g. access_type).
 */
export const LOADER_OPTIONS: Readonly<protoLoader.Options> = Object.freeze({
  keepCase: loaderJson.keepCase,
  longs: conversion('longs', loaderJson.longs),
  enums: conversion('enums', loaderJson.enums),
  defaults: loaderJson.defaults,
  oneofs: loaderJson.oneofs,
  includeDirs: [PROTO_DIR],
});

/** The proto-loader package definition (service and message descriptors by full name). */
export const packageDefinition: protoLoader.PackageDefinition = protoLoader.loadSync(PROTO_FILE, {
  ...LOADER_OPTIONS,
});

/** The loaded grpc object tree: `csiProto.csi.v1.Controller`, `csiProto.csi.v1.Volume`, ... */
export const csiProto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;

/** Shorthand for the `csi.v1` namespace of {@link csiProto}. */
export const csi: ProtoGrpcType['csi']['v1'] = csiProto.csi.v1;

/** Service definitions to pass to `server.addService`. */
export const IdentityService: IdentityDefinition = csi.Identity.service;
export const ControllerService: ControllerDefinition = csi.Controller.service;
export const GroupControllerService: GroupControllerDefinition = csi.GroupController.service;
export const SnapshotMetadataService: SnapshotMetadataDefinition = csi.SnapshotMetadata.service;
export const NodeService: NodeDefinition = csi.Node.service;

/** All five services by their proto name. */
export const CSI_SERVICES = Object.freeze({
  Identity: IdentityService,
  Controller: ControllerService,
  GroupController: GroupControllerService,
  SnapshotMetadata: SnapshotMetadataService,
  Node: NodeService,
});
export type CsiServiceName = keyof typeof CSI_SERVICES;

let reflectionRoot: protobuf.Root | undefined;

/**
 * The protobufjs reflection of csi.proto (options included), loaded on first use with the
 * same include directories as the grpc loader. For introspection only; the wire path goes
 * through {@link packageDefinition}.
 */
export function csiReflection(): protobuf.Root {
  if (reflectionRoot) return reflectionRoot;
  const root = new protobuf.Root();
  const includeDirs = LOADER_OPTIONS.includeDirs ?? [];
  const fallback = root.resolvePath.bind(root);
  // google/protobuf/* imports resolve to the definitions bundled with protobufjs (proto-loader
  // registers descriptor.proto there on import); our own files come from the include dirs.
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target) || target.startsWith('google/protobuf/')) return fallback(origin, target);
    const hit = includeDirs.map((dir) => join(dir, target)).find((p) => existsSync(p));
    return hit ?? fallback(origin, target);
  };
  root.loadSync(PROTO_FILE, { keepCase: LOADER_OPTIONS.keepCase ?? false });
  root.resolveAll();
  reflectionRoot = root;
  return root;
}

/** A field the spec marks as carrying secrets. */
export interface SecretField {
  /** Full message name without the leading dot, e.g. `csi.v1.CreateVolumeRequest`. */
  message: string;
  /** Field name as on the wire (snake_case), e.g. `secrets`. */
  field: string;
}

const CSI_SECRET_OPTION = `.${CSI_PACKAGE}.csi_secret`;
let secretFieldCache: readonly SecretField[] | undefined;

/** True when one of the field's options is the csi_secret extension set to true. */
function isSecret(field: protobuf.Field): boolean {
  for (const [key, value] of Object.entries(field.options ?? {})) {
    if (value !== true) continue;
    const m = /^\((\.?[\w.]+)\)$/.exec(key);
    if (!m?.[1]) continue;
    // The key is spelled as written in the .proto ("(csi_secret)" or "(csi.v1.csi_secret)");
    // resolve it from the field's scope to the extension it names.
    const ext = field.parent?.lookup(m[1]);
    if (ext instanceof protobuf.Field && ext.fullName === CSI_SECRET_OPTION) return true;
  }
  return false;
}

/**
 * Every field annotated `(csi.v1.csi_secret) = true`, found by walking the reflection of
 * csi.proto (nested messages included), sorted by message then field.
 */
export function secretFieldNames(): readonly SecretField[] {
  if (secretFieldCache) return secretFieldCache;
  const found: SecretField[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) {
        for (const field of nested.fieldsArray) {
          if (isSecret(field)) found.push({ message: nested.fullName.replace(/^\./, ''), field: field.name });
        }
      }
      if (nested instanceof protobuf.Namespace) walk(nested);
    }
  };
  const pkg = csiReflection().lookup(CSI_PACKAGE);
  if (!(pkg instanceof protobuf.Namespace)) throw new Error(`${PROTO_PATH} does not define package ${CSI_PACKAGE}`);
  walk(pkg);
  found.sort((a, b) => a.message.localeCompare(b.message) || a.field.localeCompare(b.field));
  secretFieldCache = Object.freeze(found.map((f) => Object.freeze(f)));
  return secretFieldCache;
}

/** The distinct names of secret fields (e.g. `secrets`), for key-based log redaction. */
export function secretFieldKeys(): readonly string[] {
  return [...new Set(secretFieldNames().map((f) => f.field))].sort();
}
