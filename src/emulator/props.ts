/** Property whitelist checks and override/delete handling, with the controller's wording. */
import type { ApiCallRc } from '../linstor/types.js';
import { FAIL_INVLD_PROP, MASK_CRT, MASK_DEL, CREATED, DELETED, WARN_DEL_UNSET_PROP } from '../linstor/apicallrc.js';
import { ApiFailure, rc } from './http.js';
import type { Props } from './state.js';
import { type PropLevel, whitelistRule } from './whitelist.js';
import { ruleAccepts, ruleText } from './whitelist-rule.js';

export type { PropLevel } from './whitelist.js';

/**
 * Validates keys and values as the controller does: an unknown key is "not whitelisted", a value
 * outside its rule is refused with what the rule allows.
 */
export function validateProps(level: PropLevel, props: Props, code = FAIL_INVLD_PROP, op = 0n, obj = 0n): void {
  for (const [k, v] of Object.entries(props)) {
    if (typeof v !== 'string') {
      throw new ApiFailure([rc(code, op, obj, `Invalid property value: ${String(v)}`, { cause: `The value of the key '${k}' is not a string.` })]);
    }
    const found = whitelistRule(level, k);
    if (found.kind === 'unknown') {
      throw new ApiFailure([rc(code, op, obj, `Invalid property key: ${k}`, { cause: `The key '${k}' is not whitelisted.` })]);
    }
    if (!ruleAccepts(found.rule, v)) {
      throw new ApiFailure([
        rc(code, op, obj, `Invalid property value: ${v}`, {
          cause: `The value '${v}' is not valid for the key '${k}'.`,
          details: `The value must match '${ruleText(found.rule)}'.`,
        }),
      ]);
    }
  }
}

export interface PropsModify {
  override_props?: Props;
  delete_props?: string[];
  delete_namespaces?: string[];
}

/**
 * Applies override/delete/delete-namespace to `props` (validated first). Returns the reply
 * entries LINSTOR adds for prop changes (set / deleted keys, missing keys as warnings).
 */
export function applyPropsModify(level: PropLevel, props: Props, m: PropsModify, obj: bigint): ApiCallRc[] {
  const override = m.override_props ?? {};
  validateProps(level, override, FAIL_INVLD_PROP, 0n, obj);
  const out: ApiCallRc[] = [];
  const set = Object.keys(override);
  for (const [k, v] of Object.entries(override)) props[k] = v;
  if (set.length > 0) out.push(rc(CREATED, MASK_CRT, obj, `Successfully set property key(s): ${set.join(',')}`));
  const deleted: string[] = [];
  for (const k of m.delete_props ?? []) {
    if (props[k] !== undefined) {
      delete props[k];
      deleted.push(k);
    } else {
      out.push(rc(WARN_DEL_UNSET_PROP, MASK_DEL, obj, `Could not delete property '${k}' as it did not exist. This operation had no effect.`));
    }
  }
  for (const ns of m.delete_namespaces ?? []) {
    const prefix = ns.endsWith('/') ? ns : `${ns}/`;
    for (const k of Object.keys(props)) {
      if (k.startsWith(prefix)) {
        delete props[k];
        deleted.push(k);
      }
    }
  }
  if (deleted.length > 0) out.push(rc(DELETED, MASK_DEL, obj, `Successfully deleted property key(s): ${deleted.join(',')}`));
  return out;
}
