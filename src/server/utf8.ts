/**
 * proto3 `string` fields must hold valid UTF-8, but protobufjs decodes them lossily (bad bytes
 * become U+FFFD), so two different names on the wire ("pvc-\xff", "pvc-\xfe") would reach the
 * handlers as one. This walks the raw bytes of a request with its message type and reports the
 * first string field (nested messages, repeated fields and maps included) that is not valid UTF-8.
 */
import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';

const WIRE_LEN = 2;

/** The field path (e.g. "parameters[key]", "volume_capabilities[0].mount.fs_type") of the first invalid string, or undefined. */
export function findInvalidUtf8(type: protobuf.Type, buf: Uint8Array, path = ''): string | undefined {
  const r = protobuf.Reader.create(buf);
  const counts = new Map<number, number>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = type.fieldsById[id];
    if (!field || wire !== WIRE_LEN) {
      r.skipType(wire);
      continue;
    }
    const bytes = r.bytes();
    const n = counts.get(id) ?? 0;
    counts.set(id, n + 1);
    const name = `${path}${field.name}${field.repeated ? `[${n}]` : ''}`;
    const bad = checkField(field, bytes, name);
    if (bad) return bad;
  }
  return undefined;
}

function checkField(field: protobuf.Field, bytes: Uint8Array, name: string): string | undefined {
  if (field instanceof protobuf.MapField) return checkMapEntry(field, bytes, name.replace(/\[\d+\]$/, ''));
  if (field.type === 'string') return isUtf8(bytes) ? undefined : name;
  const t = field.resolve().resolvedType;
  if (t instanceof protobuf.Type) return findInvalidUtf8(t, bytes, `${name}.`);
  return undefined;
}

/** A map entry is a message {1: key, 2: value}. */
function checkMapEntry(field: protobuf.MapField, bytes: Uint8Array, name: string): string | undefined {
  const r = protobuf.Reader.create(bytes);
  let key = '?';
  while (r.pos < r.len) {
    const tag = r.uint32();
    const id = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN) {
      r.skipType(tag & 7);
      continue;
    }
    const raw = r.bytes();
    if (id === 1 && field.keyType === 'string') {
      if (!isUtf8(raw)) return `${name} key`;
      key = Buffer.from(raw).toString('utf8');
    } else if (id === 2) {
      if (field.type === 'string' && !isUtf8(raw)) return `${name}[${JSON.stringify(key)}]`;
      const t = field.resolve().resolvedType;
      if (t instanceof protobuf.Type) {
        const bad = findInvalidUtf8(t, raw, `${name}[${JSON.stringify(key)}].`);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}

/** Set on a decoded request whose raw bytes held invalid UTF-8 in a string field: the field path. */
export const INVALID_UTF8 = Symbol('invalid-utf8');

/** Wraps a method's request deserializer so the interceptor can refuse such requests by name. */
export function utf8CheckingDeserializer<T>(type: protobuf.Type, deserialize: (buf: Buffer) => T): (buf: Buffer) => T {
  return (buf) => {
    const obj = deserialize(buf);
    const bad = findInvalidUtf8(type, buf);
    if (bad !== undefined && obj !== null && typeof obj === 'object') Object.defineProperty(obj, INVALID_UTF8, { value: bad, enumerable: false });
    return obj;
  };
}

export function invalidUtf8Field(req: unknown): string | undefined {
  return req !== null && typeof req === 'object' ? ((req as Record<symbol, unknown>)[INVALID_UTF8] as string | undefined) : undefined;
}
