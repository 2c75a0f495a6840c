/**
 * Reads the few structured StorageClass values the Go driver takes as YAML
 * (`allowRemoteVolumeAccess`, `xReplicasOnDifferent`) without a YAML dependency at run time.
 *
 * Accepted: JSON, YAML flow style (`{zone: 2}`, `[{fromSame: [zone]}]`) and the block forms
 * people write in StorageClasses:
 *
 *   - fromSame:            topology.kubernetes.io/zone: 2
 *     - zone               kubernetes.io/hostname: 1
 *
 * Anything else throws, and the caller names the parameter.
 */

export type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

export class YamlLiteError extends Error {}

export function parseStructured(text: string): Plain {
  const t = text.trim();
  if (t === '') throw new YamlLiteError('empty value');
  if (t.startsWith('{') || t.startsWith('[')) return parseFlow(t);
  return parseBlock(t);
}

// --------------------------------------------------------------------------------------------
// Flow style (a superset of JSON): bare words are strings unless they are numbers/booleans.
// --------------------------------------------------------------------------------------------

function parseFlow(src: string): Plain {
  let i = 0;
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i] as string)) i++;
  };
  const value = (): Plain => {
    ws();
    const c = src[i];
    if (c === '{') {
      i++;
      const out: Record<string, Plain> = {};
      ws();
      if (src[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        const k = scalar(true);
        ws();
        if (src[i] !== ':') throw new YamlLiteError(`expected ":" at offset ${i}`);
        i++;
        out[String(k)] = value();
        ws();
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === '}') {
          i++;
          return out;
        }
        throw new YamlLiteError(`expected "," or "}" at offset ${i}`);
      }
    }
    if (c === '[') {
      i++;
      const out: Plain[] = [];
      ws();
      if (src[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === ']') {
          i++;
          return out;
        }
        throw new YamlLiteError(`expected "," or "]" at offset ${i}`);
      }
    }
    return scalar(false);
  };
  const scalar = (isKey: boolean): Plain => {
    ws();
    const c = src[i];
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new YamlLiteError('unterminated quoted string');
      const raw = src.slice(i + 1, end);
      i = end + 1;
      return c === '"' ? (JSON.parse(`"${raw}"`) as string) : raw;
    }
    const start = i;
    // A colon ends a key only when followed by a space or the end (keys like "a/b:c" are rare).
    while (i < src.length) {
      const ch = src[i] as string;
      if (ch === ',' || ch === '}' || ch === ']') break;
      if (ch === ':' && (isKey || /\s/.test(src[i + 1] ?? ' '))) break;
      i++;
    }
    const word = src.slice(start, i).trim();
    if (word === '') throw new YamlLiteError(`expected a value at offset ${start}`);
    return isKey ? word : typed(word);
  };
  const v = value();
  ws();
  if (i !== src.length) throw new YamlLiteError(`unexpected "${src.slice(i, i + 10)}" at offset ${i}`);
  return v;
}

function typed(word: string): Plain {
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
  if (/^(true|false)$/i.test(word)) return word.toLowerCase() === 'true';
  if (word === 'null' || word === '~') return null;
  return word;
}

function unquote(s: string): string {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  return t;
}

// --------------------------------------------------------------------------------------------
// Block style: a list of scalars or one-key maps with nested lists, or a flat map.
// --------------------------------------------------------------------------------------------

interface Line {
  indent: number;
  text: string;
}

function parseBlock(src: string): Plain {
  const lines: Line[] = src
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').replace(/\s+$/, ''))
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  const [v, next] = block(lines, 0, lines[0]?.indent ?? 0);
  if (next !== lines.length) throw new YamlLiteError(`cannot read line "${lines[next]?.text ?? ''}"`);
  return v;
}

function block(lines: Line[], at: number, indent: number): [Plain, number] {
  const first = lines[at];
  if (!first) throw new YamlLiteError('empty block');
  if (first.text.startsWith('- ') || first.text === '-') {
    const out: Plain[] = [];
    let i = at;
    while (i < lines.length && (lines[i] as Line).indent === indent && (lines[i] as Line).text.startsWith('-')) {
      const line = lines[i] as Line;
      const rest = line.text.slice(1).trim();
      i++;
      if (rest === '') {
        const [v, n] = block(lines, i, (lines[i] as Line | undefined)?.indent ?? indent + 2);
        out.push(v);
        i = n;
        continue;
      }
      const kv = splitKey(rest);
      if (kv) {
        // "- key: value" or "- key:" followed by a nested block; further keys of this map
        // sit at the indent of "key".
        const map: Record<string, Plain> = {};
        const keyIndent = line.indent + (line.text.length - rest.length);
        i = mapEntry(lines, i, kv, map, keyIndent);
        while (i < lines.length && (lines[i] as Line).indent === keyIndent && !(lines[i] as Line).text.startsWith('-')) {
          const kv2 = splitKey((lines[i] as Line).text);
          if (!kv2) throw new YamlLiteError(`expected "key: value" in "${(lines[i] as Line).text}"`);
          i = mapEntry(lines, i + 1, kv2, map, keyIndent);
        }
        out.push(map);
        continue;
      }
      out.push(rest.startsWith('[') || rest.startsWith('{') ? parseFlow(rest) : typed(unquote(rest)));
    }
    return [out, i];
  }
  const map: Record<string, Plain> = {};
  let i = at;
  while (i < lines.length && (lines[i] as Line).indent === indent) {
    const kv = splitKey((lines[i] as Line).text);
    if (!kv) throw new YamlLiteError(`expected "key: value" in "${(lines[i] as Line).text}"`);
    i = mapEntry(lines, i + 1, kv, map, indent);
  }
  return [map, i];
}

function mapEntry(lines: Line[], next: number, kv: [string, string], map: Record<string, Plain>, keyIndent: number): number {
  const [k, v] = kv;
  if (v !== '') {
    map[k] = v.startsWith('[') || v.startsWith('{') ? parseFlow(v) : typed(unquote(v));
    return next;
  }
  const nl = lines[next];
  // YAML allows a list under a key at the same indent as the key.
  if (nl && (nl.indent > keyIndent || (nl.indent === keyIndent && nl.text.startsWith('-')))) {
    const [val, n] = block(lines, next, nl.indent);
    map[k] = val;
    return n;
  }
  map[k] = null;
  return next;
}

function splitKey(text: string): [string, string] | undefined {
  const m = /^("[^"]*"|'[^']*'|[^\s"'][^:]*?):(\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  return [unquote(m[1] as string), (m[3] ?? '').trim()];
}
