/*
 * What a plain (unquoted) YAML scalar means in a compose file. Integers are read as
 * go-yaml (Compose's parser) reads them, so `mode: 0440` is octal; everything else as
 * the YAML 1.2 core schema says. A scalar tagged with one of Compose's own tags
 * (`!reset`, `!override`) is resolved as Compose resolves an untagged one.
 */

const COMPOSE_TAGS = new Set(['!reset', '!override']);

export function isComposeTag(tag: string | undefined): boolean {
  return tag !== undefined && COMPOSE_TAGS.has(tag);
}

/** The value of a plain scalar written as `text`, untagged or with a Compose tag. */
export function plainScalarValue(text: string, tag: string | undefined): unknown {
  const integer = goYamlInteger(text);
  if (integer !== undefined) return integer;
  return isComposeTag(tag) ? resolvePlainScalar(text) : coreSchemaValue(text);
}

/** Go's integer syntax after dropping `_`: 0b101, 0o17, 0x1f, and 0440 (octal). */
export function goYamlInteger(text: string): number | undefined {
  if (!startsLikeNumber(text)) return undefined;
  const match = /^([-+]?)(0b[01]+|0o[0-7]+|0x[0-9a-f]+|0[0-7]+|[1-9][0-9]*|0)$/i.exec(
    text.replaceAll('_', ''),
  );
  if (!match) return undefined;
  const [, sign, digits] = match;
  const isOctal = /^0[0-7]+$/.test(digits);
  const magnitude = isOctal ? Number.parseInt(digits, 8) : Number(digits);
  return sign === '-' ? -magnitude : magnitude;
}

/** Compose's resolution of a tagged plain scalar: null, booleans, numbers, else the text. */
export function resolvePlainScalar(text: string): unknown {
  if (/^(?:~|null|Null|NULL)?$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  const isNumber = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text);
  return isNumber ? Number(text) : text;
}

/** The YAML 1.2 core schema: null, bool, int (decimal, 0o, 0x), float, .inf/.nan, else str. */
function coreSchemaValue(text: string): unknown {
  const first = text.charCodeAt(0);
  // Most scalars are words: only n/N, t/T, f/F, ~ and number-like starts can be anything else.
  const isLetter = (first >= 0x61 && first <= 0x7a) || (first >= 0x41 && first <= 0x5a);
  if (isLetter && !'nNtTfF'.includes(text[0])) return text;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(text)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(text)) return false;
  if (isLetter) return text;
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    if (text.endsWith('nan') || text.endsWith('NaN') || text.endsWith('NAN')) return Number.NaN;
    return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text)) {
    return Number.parseFloat(text);
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) return Number.parseFloat(text);
  return text;
}

/** A sign, a digit or `_` (dropped before reading): the only starts of an integer. */
function startsLikeNumber(text: string): boolean {
  const first = text.charCodeAt(0);
  return (first >= 0x30 && first <= 0x39) || first === 0x2b || first === 0x2d || first === 0x5f;
}
