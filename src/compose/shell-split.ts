/** Thrown when a command string cannot be split (an unterminated quote). */
export class ShellSplitError extends Error {}

/**
 * Splits a command string into words as a POSIX shell would, without expanding
 * anything: blanks separate words, single quotes keep text literally, double quotes
 * keep text but honour \" \\ \$ \` and line continuations, a backslash outside
 * quotes takes the next character literally.
 */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShellSplitError('unterminated single quote');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const [quoted, next] = readDoubleQuoted(text, i + 1);
      word += quoted;
      inWord = true;
      i = next;
    } else if (c === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') word += text[i + 1];
      inWord = inWord || text[i + 1] !== '\n';
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['"', '\\', '$', '`']);

function readDoubleQuoted(text: string, start: number): [string, number] {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return [out, i + 1];
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1];
      if (ESCAPABLE_IN_DOUBLE_QUOTES.has(next)) out += next;
      else if (next !== '\n') out += `\\${next}`;
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  throw new ShellSplitError('unterminated double quote');
}
