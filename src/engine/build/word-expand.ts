/**
 * Docker's processing of the words of ENV, ARG, LABEL, COPY, WORKDIR, FROM and the
 * like: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alternative}` expanded from the
 * build's variables, single and double quotes removed (no expansion in single quotes),
 * the escape character making the next character literal. Unset variables expand to
 * nothing, as in Docker.
 */
export type Lookup = (name: string) => string | undefined;

interface Options {
  escapeToken: string;
  lookup: Lookup;
  /** Split on unquoted blanks into words (else one word). */
  split: boolean;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/** Index of the `}` closing a `${` whose body starts at `from`, or -1. */
function closingBrace(text: string, from: number, escapeToken: string): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === escapeToken) i++;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Expands a `${...}` body: `NAME`, `NAME:-word`, `NAME:+word`, `NAME-word`, `NAME+word`. */
function expandBraced(body: string, options: Options): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-+])([\s\S]*))?$/.exec(body);
  if (!match) throw new Error(`bad substitution: \${${body}}`);
  const value = options.lookup(match[1] as string);
  if (match[3] === undefined) return value ?? '';
  const word = () => expandWords(match[4] ?? '', { ...options, split: false })[0] ?? '';
  const set = match[2] === ':' ? value !== undefined && value !== '' : value !== undefined;
  if (match[3] === '-') return set ? (value as string) : word();
  return set ? word() : '';
}

/** Reads a variable reference at `text[at] === '$'`: its value and where it ends. */
function variableAt(text: string, at: number, options: Options): { value: string; end: number } {
  const next = text[at + 1] ?? '';
  if (next === '{') {
    const close = closingBrace(text, at + 2, options.escapeToken);
    if (close === -1) throw new Error(`missing '}' in ${text}`);
    return { value: expandBraced(text.slice(at + 2, close), options), end: close + 1 };
  }
  if (!NAME_START.test(next)) return { value: '$', end: at + 1 };
  let end = at + 1;
  while (end < text.length && NAME_PART.test(text[end] as string)) end++;
  return { value: options.lookup(text.slice(at + 1, end)) ?? '', end };
}

export function expandWords(text: string, options: Options): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; ) {
    const char = text[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
      i++;
      continue;
    }
    if (char === options.escapeToken && i + 1 < text.length) {
      const next = text[i + 1] as string;
      // Inside double quotes only $, " and the escape character itself are escaped.
      word += quote === '"' && !['$', '"', options.escapeToken].includes(next) ? char + next : next;
      started = true;
      i += 2;
      continue;
    }
    if (char === '$') {
      const { value, end } = variableAt(text, i, options);
      word += value;
      started = true;
      i = end;
      continue;
    }
    if (char === '"' || (char === "'" && quote === undefined)) {
      quote = quote === '"' ? undefined : (char as "'" | '"');
      started = true;
      i++;
      continue;
    }
    if (options.split && quote === undefined && /\s/.test(char)) {
      if (started) words.push(word);
      word = '';
      started = false;
      i++;
      continue;
    }
    word += char;
    started = true;
    i++;
  }
  if (quote !== undefined) throw new Error(`unterminated quote in ${text}`);
  if (started || !options.split) words.push(word);
  return words;
}

/** One word: quotes removed, variables expanded, blanks kept. */
export const expandWord = (text: string, escapeToken: string, lookup: Lookup): string =>
  expandWords(text, { escapeToken, lookup, split: false })[0] ?? '';

/** Blank-separated words: quotes removed, variables expanded. */
export const splitWords = (text: string, escapeToken: string, lookup: Lookup): string[] =>
  expandWords(text, { escapeToken, lookup, split: true });

/**
 * `key=value` pairs of ENV, LABEL and ARG (`ENV a=1 b="two words"`), or the legacy
 * `ENV key value` form when the first word has no `=`.
 */
export function keyValuePairs(
  text: string,
  escapeToken: string,
  lookup: Lookup,
  legacyForm = true,
): [string, string | undefined][] {
  const first = /^(\S+)(\s+([\s\S]*))?$/.exec(text.trim());
  if (legacyForm && first && !(first[1] as string).includes('=')) {
    const key = expandWord(first[1] as string, escapeToken, lookup);
    const rest = first[3];
    return [[key, rest === undefined ? undefined : expandWord(rest, escapeToken, lookup)]];
  }
  return splitWords(text, escapeToken, lookup).map((word) => {
    const at = word.indexOf('=');
    return at === -1 ? [word, undefined] : [word.slice(0, at), word.slice(at + 1)];
  });
}
