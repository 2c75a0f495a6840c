/** A property value rule, as generated from properties.json and drbdsetup.xml. */
export type PropRule =
  | { type: 'regex'; value: string }
  | { type: 'symbol'; values: readonly string[] }
  | { type: 'range'; min: string; max: string }
  | { type: 'range-float'; min: string; max: string }
  | { type: 'range-or-symbol'; min: string; max: string; values: readonly string[] }
  | { type: 'string' }
  | { type: 'long' }
  | { type: 'boolean_true_false' }
  | { type: 'drbd-boolean' };

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function inRange(v: string, min: string, max: string): boolean {
  if (!INTEGER.test(v)) return false;
  const n = BigInt(v);
  return n >= BigInt(min) && n <= BigInt(max);
}

/** Whether `value` satisfies `rule` (LINSTOR matches regexes against the whole value). */
export function ruleAccepts(rule: PropRule, value: string): boolean {
  switch (rule.type) {
    case 'regex':
      return new RegExp(`^(?:${rule.value})$`).test(value);
    case 'symbol':
      return rule.values.includes(value);
    case 'range':
      return inRange(value, rule.min, rule.max);
    case 'range-float': {
      if (!FLOAT.test(value)) return false;
      const f = Number(value);
      return f >= Number(rule.min) && f <= Number(rule.max);
    }
    case 'range-or-symbol':
      return rule.values.includes(value) || inRange(value, rule.min, rule.max);
    case 'long':
      return INTEGER.test(value) && BigInt(value) >= -(2n ** 63n) && BigInt(value) < 2n ** 63n;
    case 'boolean_true_false':
      return /^(true|false)$/i.test(value);
    case 'drbd-boolean':
      return /^(yes|no|true|false)$/i.test(value);
    case 'string':
      return true;
  }
}

/** What a valid value looks like, for the error's details. */
export function ruleText(rule: PropRule): string {
  switch (rule.type) {
    case 'regex':
      return rule.value;
    case 'symbol':
      return rule.values.join('|');
    case 'range':
    case 'range-float':
      return `${rule.min} - ${rule.max}`;
    case 'range-or-symbol':
      return `${rule.min} - ${rule.max} or ${rule.values.join('|')}`;
    case 'long':
      return 'a 64-bit integer';
    case 'boolean_true_false':
      return 'true|false';
    case 'drbd-boolean':
      return 'yes|no';
    case 'string':
      return 'any string';
  }
}
