/**
 * Block-style YAML for plain JSON-like data (maps, lists, strings, numbers, booleans,
 * null), as `docker compose config` prints it: two-space indents, lists indented under
 * their key, multi-line strings as literal blocks, strings quoted only when a YAML
 * 1.1 or 1.2 reader would take them for something else. It writes text directly,
 * which is an order of magnitude faster than building a YAML document tree.
 */
export function emitYaml(value: unknown): string {
  const lines: string[] = [];
  if (isMap(value) && Object.keys(value).length > 0) emitMap(value, 0, lines);
  else if (Array.isArray(value) && value.length > 0) emitList(value, 0, lines);
  else lines.push(inlineValue(value));
  return `${lines.join('\n')}\n`;
}

type YamlMap = Record<string, unknown>;

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptyCollection(value: unknown): boolean {
  return Array.isArray(value)
    ? value.length === 0
    : isMap(value) && Object.keys(value).length === 0;
}

function inlineValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '[]';
  if (isMap(value)) return '{}';
  if (typeof value === 'string') return scalarString(value);
  return String(value);
}

/** `key: value`, or `key:` followed by the nested block. */
function emitMap(map: YamlMap, indent: number, lines: string[], firstPrefix?: string): void {
  const pad = ' '.repeat(indent);
  let first = true;
  for (const [key, value] of Object.entries(map)) {
    if (value === undefined) continue;
    const lead = first && firstPrefix !== undefined ? firstPrefix : pad;
    first = false;
    emitEntry(`${lead}${scalarString(key)}:`, value, indent, lines);
  }
}

function emitList(list: unknown[], indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  for (const item of list) {
    if (isMap(item) && !isEmptyCollection(item)) emitMap(item, indent + 2, lines, `${pad}- `);
    else emitEntry(`${pad}-`, item, indent, lines);
  }
}

/** What follows a `key:` or `-` head: an inline scalar, a literal block or a nested block. */
function emitEntry(head: string, value: unknown, indent: number, lines: string[]): void {
  if (typeof value === 'string' && isBlockLiteral(value)) {
    emitBlockLiteral(head, value, indent + 2, lines);
  } else if ((isMap(value) || Array.isArray(value)) && !isEmptyCollection(value)) {
    lines.push(head);
    if (Array.isArray(value)) emitList(value, indent + 2, lines);
    else emitMap(value, indent + 2, lines);
  } else {
    lines.push(`${head} ${inlineValue(value)}`);
  }
}

/** Multi-line text that reads back exactly from a literal block. */
function isBlockLiteral(text: string): boolean {
  return (
    text.includes('\n') &&
    !/^[ \n]/.test(text) &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters force quoting
    !/[\u0000-\u0008\u000b-\u001f\u007f\r]|[ \t]\n/.test(text)
  );
}

function emitBlockLiteral(head: string, text: string, indent: number, lines: string[]): void {
  const body = text.replace(/\n+$/, '');
  const trailing = text.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  lines.push(`${head} |${chomp}`);
  const pad = ' '.repeat(indent);
  for (const line of body.split('\n')) lines.push(line === '' ? '' : `${pad}${line}`);
  for (let extra = 1; extra < trailing; extra++) lines.push('');
}

const RESERVED_WORDS = /^(?:~|null|true|false|yes|no|on|off|y|n)$/i;
/** Integers, floats, sexagesimals (YAML 1.1), hex/octal/binary, infinities and NaN. */
const NUMBER_LIKE =
  /^[-+]?(?:[\d_]+|[\d_]*\.[\d_]*(?:[eE][-+]?\d+)?|\d[\d_]*[eE][-+]?\d+|\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?|0x[\da-fA-F_]+|0o[0-7_]+|0b[01_]+|\.inf|\.nan)$/i;
const INDICATOR_START = /^[?:,[\]{}#&*!|>'"%@`]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters force quoting
const NEEDS_QUOTES_ANYWHERE = /: |:$| #|\t|\n|[\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/;

/** Keys and many values repeat across services; deciding once per string is cheaper. */
const scalarCache = new Map<string, string>();

/** A string as a plain scalar when that reads back as the same string, else double-quoted. */
function scalarString(text: string): string {
  let emitted = scalarCache.get(text);
  if (emitted === undefined) {
    emitted = quoteIfNeeded(text);
    if (text.length < 64) scalarCache.set(text, emitted);
  }
  return emitted;
}

function quoteIfNeeded(text: string): string {
  const plain =
    text !== '' &&
    text.trim() === text &&
    !RESERVED_WORDS.test(text) &&
    !NUMBER_LIKE.test(text) &&
    !INDICATOR_START.test(text) &&
    !/^-(?: |$)/.test(text) &&
    !/^(?:---|\.\.\.)/.test(text) &&
    !NEEDS_QUOTES_ANYWHERE.test(text);
  return plain ? text : JSON.stringify(text);
}
