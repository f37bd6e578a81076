import { isComposeTag, plainScalarValue } from './scalar-values.js';
import type { YamlAlias, YamlMap, YamlNode, YamlScalar, YamlSeq } from './yaml-tree.js';
import { MAX_EXPANDED_NODES } from './yaml-values.js';

/*
 * A one-pass reader for the YAML that compose files are written in: block mappings and
 * sequences, plain and one-line quoted scalars, literal and folded block scalars, one-line
 * flow collections of scalars, anchors, aliases, `<<` and Compose's `!reset`/`!override`.
 * It is about ten times faster than the `yaml` package on a cold start, which is most of
 * what `tcompose config` costs. Anything outside that subset, and anything the YAML
 * library would report as an error, makes it give up (readBlockYaml returns undefined):
 * the loader then reads the text with the library, which says what is wrong.
 */

/** Thrown (and caught in readBlockYaml) where the text leaves the subset this reader knows. */
const OUTSIDE_SUBSET = Symbol('outside the block YAML subset');

/** Characters that may not start a plain scalar. */
const INDICATORS = new Set([...'-?:,[]{}#&*!|>\'"%@`']);
/** Characters a one-line implicit key of ours never holds (the library reads them subtly). */
const UNUSUAL_IN_KEY = /["'[\]{},&*!|>%@`]/;
/** Controls, tabs, carriage returns and byte order marks are left to the library. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNUSUAL_TEXT = /[\u0000-\u0009\u000b-\u001f\u007f\ufeff]/;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_ESCAPE_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

type Context = 'map' | 'seq';

/**
 * The root node of a one-document compose file (null when it holds nothing), or
 * undefined when the text needs the full YAML library. A tree it returns is known to
 * expand (through aliases) within MAX_EXPANDED_NODES.
 */
export function readBlockYaml(text: string): YamlNode | null | undefined {
  if (UNUSUAL_TEXT.test(text)) return undefined;
  try {
    return new BlockReader(text).document();
  } catch (error) {
    if (error === OUTSIDE_SUBSET) return undefined;
    throw error;
  }
}

function outside(): never {
  throw OUTSIDE_SUBSET;
}

class BlockReader {
  /** Always at the start of a line (or the end of the text) between nodes. */
  private pos = 0;
  private readonly anchors = new Map<string, YamlNode>();
  /** Anchors whose node is still being read: an alias to one refers to itself. */
  private readonly anchorsOpen = new Set<string>();
  /** Nodes read so far with every alias counted as the nodes it stands for. */
  private expanded = 0;
  private readonly expandedSizes = new Map<YamlNode, number>();

  private readonly comments: Occurrences;
  private readonly colons: Occurrences;

  constructor(private readonly text: string) {
    this.comments = new Occurrences(text, ' #');
    this.colons = new Occurrences(text, ': ');
  }

  document(): YamlNode | null {
    const start = this.nextContentLine(0);
    if (start < 0) return null;
    if (this.text[start] === ' ' || this.keyEnd(start) < 0) outside();
    const root = this.blockMapping(0, start);
    this.count(1);
    if (this.nextContentLine(this.pos) >= 0) outside();
    return root;
  }

  /** The start of the next line holding more than spaces and a comment, or -1. */
  private nextContentLine(from: number): number {
    const { text } = this;
    let line = from;
    while (line < text.length) {
      let p = line;
      while (text.charCodeAt(p) === 0x20) p++;
      const c = text[p];
      if (c !== '\n' && c !== '#' && p < text.length) {
        if (p === line && (text.startsWith('---', p) || text.startsWith('...', p))) outside();
        return line;
      }
      line = this.lineEnd(p) + 1;
    }
    return -1;
  }

  private lineEnd(from: number): number {
    const end = this.text.indexOf('\n', from);
    return end < 0 ? this.text.length : end;
  }

  private indentAt(line: number): number {
    let p = line;
    while (this.text.charCodeAt(p) === 0x20) p++;
    return p - line;
  }

  /** Reads `key: value` entries whose keys start at column `indent`, the first at `first`. */
  private blockMapping(indent: number, first: number): YamlMap {
    const map: YamlMap = { kind: 'map', offset: first, flow: false, pairs: [] };
    const keys = new Set<string>();
    let keyStart = first;
    for (;;) {
      const colon = this.keyEnd(keyStart);
      if (colon < 0) outside();
      const key = this.keyScalar(keyStart, colon);
      const keyText = String(key.value);
      if (keys.has(keyText)) outside();
      keys.add(keyText);
      this.count(1);
      map.pairs.push({ key, value: this.value(colon + 1, indent, 'map') });
      const next = this.nextContentLine(this.pos);
      if (next < 0) break;
      const nextIndent = this.indentAt(next);
      if (nextIndent < indent) break;
      if (nextIndent > indent) outside();
      keyStart = next + nextIndent;
    }
    return map;
  }

  /**
   * Counts the document as the converter will expand it: beyond the limit it is an
   * alias bomb, which the library path refuses with its position.
   */
  private count(nodes: number): void {
    this.expanded += nodes;
    if (this.expanded > MAX_EXPANDED_NODES) outside();
  }

  /** A node just read counts once; an alias as what it stands for. */
  private countNode(node: YamlNode): void {
    this.count(node.kind === 'alias' ? (this.expandedSizes.get(node.target as YamlNode) ?? 1) : 1);
  }

  /** Reads `- item` entries whose dashes stand at column `indent`, the first at `first`. */
  private blockSequence(indent: number, first: number): YamlSeq {
    const seq: YamlSeq = { kind: 'seq', offset: first, flow: false, items: [] };
    let dash = first;
    for (;;) {
      seq.items.push(this.value(dash + 1, indent, 'seq'));
      const next = this.nextContentLine(this.pos);
      if (next < 0) break;
      const nextIndent = this.indentAt(next);
      if (nextIndent !== indent || !this.isDash(next + nextIndent)) break;
      dash = next + nextIndent;
    }
    return seq;
  }

  private isDash(p: number): boolean {
    const after = this.text[p + 1];
    return this.text[p] === '-' && (after === ' ' || after === '\n' || after === undefined);
  }

  /**
   * Where the `:` of an implicit key starting at `p` is, or -1 when the line from `p`
   * is no `key:` entry.
   */
  private keyEnd(p: number): number {
    const { text } = this;
    const first = text[p];
    if (first === '"' || first === "'") {
      const close = this.quotedEnd(p);
      const after = text[close + 2];
      const isKey =
        text[close + 1] === ':' && (after === ' ' || after === '\n' || after === undefined);
      return isKey ? close + 1 : -1;
    }
    const end = this.contentEnd(p);
    const colon = this.mappingColon(p, end);
    if (colon < 0) return -1;
    if (INDICATORS.has(first) || UNUSUAL_IN_KEY.test(text.slice(p, colon))) outside();
    return colon;
  }

  /** Where the line from `p` ends before any comment (` #`). */
  private contentEnd(p: number): number {
    const end = this.lineEnd(p);
    const comment = this.comments.from(p);
    return comment >= 0 && comment < end ? comment : end;
  }

  /** The first `:` before `end` that a space or the end follows, or -1. */
  private mappingColon(p: number, end: number): number {
    const colon = this.colons.from(p);
    if (colon >= 0 && colon < end) return colon;
    return end > p && this.text[end - 1] === ':' ? end - 1 : -1;
  }

  private keyScalar(start: number, colon: number): YamlScalar {
    const first = this.text[start];
    if (first === '"' || first === "'") {
      return { kind: 'scalar', offset: start, value: this.quotedValue(start), plain: false };
    }
    const source = this.text.slice(start, colon).trimEnd();
    return {
      kind: 'scalar',
      offset: start,
      value: plainScalarValue(source, undefined),
      plain: true,
    };
  }

  /**
   * The node after a `key:` or `-` indicator ending just before `from`: on the same
   * line, on the lines below (indented past `indent`, or a sequence at `indent` under a
   * key), or empty. Leaves pos at the start of the line after it.
   */
  private value(from: number, indent: number, context: Context): YamlNode {
    const { text } = this;
    let p = this.skipSpaces(from);
    let tag: string | undefined;
    let anchor: string | undefined;
    while (text[p] === '&' || text[p] === '!') {
      const end = this.wordEnd(p);
      const word = text.slice(p + 1, end);
      if (text[p] === '&') {
        if (anchor !== undefined || word === '') outside();
        anchor = word;
      } else {
        if (tag !== undefined || !isComposeTag(`!${word}`)) outside();
        tag = `!${word}`;
      }
      p = this.skipSpaces(end);
    }
    if (anchor !== undefined) this.anchorsOpen.add(anchor);
    const before = this.expanded;
    const node = this.valueAt(p, indent, context, tag, anchor !== undefined);
    this.countNode(node);
    if (node.kind !== 'alias') {
      node.tag = tag;
      node.anchor = anchor;
    }
    if (anchor !== undefined) {
      this.anchorsOpen.delete(anchor);
      this.anchors.set(anchor, node);
      this.expandedSizes.set(node, this.expanded - before);
    }
    return node;
  }

  private valueAt(
    p: number,
    indent: number,
    context: Context,
    tag: string | undefined,
    anchored: boolean,
  ): YamlNode {
    const { text } = this;
    const c = text[p];
    if (c === '\n' || c === '#' || c === undefined) {
      this.pos = this.lineEnd(p) + 1;
      return this.nodeBelow(indent, context) ?? this.emptyScalar(p);
    }
    if (c === '*') {
      if (tag !== undefined || anchored) outside();
      return this.alias(p, indent);
    }
    if (c === '|' || c === '>') return this.blockScalar(p, indent);
    if (context === 'seq' && this.keyEnd(p) >= 0) {
      if (tag !== undefined || anchored) outside();
      return this.blockMapping(p - this.lineStart(p), p);
    }
    let node: YamlNode;
    let end: number;
    if (c === '"' || c === "'") {
      node = { kind: 'scalar', offset: p, value: this.quotedValue(p), plain: false };
      end = this.quotedEnd(p) + 1;
    } else if (c === '[') {
      [node, end] = this.flowSequence(p);
    } else if (c === '{') {
      [node, end] = this.flowMapping(p);
    } else {
      [node, end] = this.plainScalar(p, tag);
    }
    this.finishLine(end);
    this.requireNothingBelow(indent);
    return node;
  }

  private lineStart(p: number): number {
    return this.text.lastIndexOf('\n', p - 1) + 1;
  }

  /** A block collection on the lines below a `key:` or `-` with nothing after it. */
  private nodeBelow(indent: number, context: Context): YamlNode | null {
    const next = this.nextContentLine(this.pos);
    if (next < 0) return null;
    const nextIndent = this.indentAt(next);
    const start = next + nextIndent;
    if (nextIndent > indent) {
      if (this.isDash(start)) return this.blockSequence(nextIndent, start);
      if (this.keyEnd(start) >= 0) return this.blockMapping(nextIndent, start);
      outside();
    }
    // Under a key, a sequence may stand at the key's own indentation.
    if (nextIndent === indent && context === 'map' && this.isDash(start)) {
      return this.blockSequence(nextIndent, start);
    }
    return null;
  }

  /** An empty value sits where its line's content ends (before any comment). */
  private emptyScalar(offset: number): YamlScalar {
    return { kind: 'scalar', offset, value: null, plain: true };
  }

  private alias(p: number, indent: number): YamlNode {
    const end = this.wordEnd(p);
    const node = this.aliasNode(p, end);
    this.finishLine(end);
    this.requireNothingBelow(indent);
    return node;
  }

  /** `*name` inside a flow sequence (`<<: [*a, *b]`): the name ends at a flow indicator. */
  private flowAlias(p: number): [YamlAlias, number] {
    const { text } = this;
    let end = p + 1;
    while (end < text.length && !' ,[]{}\n'.includes(text[end])) end++;
    return [this.aliasNode(p, end), end];
  }

  private aliasNode(p: number, end: number): YamlAlias {
    const source = this.text.slice(p + 1, end);
    const target = this.anchors.get(source);
    if (target === undefined || this.anchorsOpen.has(source)) outside();
    return { kind: 'alias', offset: p, source, target };
  }

  /** After a one-line value, a more indented line would continue it: left to the library. */
  private requireNothingBelow(indent: number): void {
    const next = this.nextContentLine(this.pos);
    if (next >= 0 && this.indentAt(next) > indent) outside();
  }

  /** The end of an anchor, alias or tag name: the next space or line end. */
  private wordEnd(p: number): number {
    const { text } = this;
    let q = p + 1;
    while (q < text.length && text[q] !== ' ' && text[q] !== '\n') q++;
    if (q === p + 1) outside();
    return q;
  }

  private skipSpaces(p: number): number {
    while (this.text.charCodeAt(p) === 0x20) p++;
    return p;
  }

  /** Only spaces and a comment may follow a value on its line; moves pos to the next line. */
  private finishLine(end: number): void {
    const p = this.skipSpaces(end);
    const c = this.text[p];
    if (c === '#' && p > end) this.pos = this.lineEnd(p) + 1;
    else if (c === '\n' || c === undefined) this.pos = p + 1;
    else outside();
  }

  /** A plain scalar in block context: up to the line end or a comment. */
  private plainScalar(p: number, tag: string | undefined): [YamlScalar, number] {
    const { text } = this;
    const c = text[p];
    if (INDICATORS.has(c) && !this.isPlainIndicator(p)) outside();
    const end = this.contentEnd(p);
    // `a: b: c` is an error, and the library says so.
    if (this.mappingColon(p, end) >= 0) outside();
    let last = end;
    while (last > p && text[last - 1] === ' ') last--;
    const source = text.slice(p, last);
    return [{ kind: 'scalar', offset: p, value: plainScalarValue(source, tag), plain: true }, last];
  }

  /** `-`, `?` and `:` start a plain scalar when a non-space follows them (`-1`, `:x`). */
  private isPlainIndicator(p: number): boolean {
    const c = this.text[p];
    const after = this.text[p + 1];
    return (
      (c === '-' || c === '?' || c === ':') &&
      after !== undefined &&
      after !== ' ' &&
      after !== '\n'
    );
  }

  /** The index of the closing quote of a one-line quoted scalar opening at `p`. */
  private quotedEnd(p: number): number {
    const { text } = this;
    const quote = text[p];
    for (let q = p + 1; q < text.length; q++) {
      const c = text[q];
      if (c === '\n') break;
      if (quote === '"' && c === '\\') {
        q++;
        continue;
      }
      if (c !== quote) continue;
      if (quote === "'" && text[q + 1] === "'") {
        q++;
        continue;
      }
      return q;
    }
    return outside();
  }

  private quotedValue(p: number): string {
    const { text } = this;
    const end = this.quotedEnd(p);
    const body = text.slice(p + 1, end);
    if (text[p] === "'") return body.replaceAll("''", "'");
    if (!body.includes('\\')) return body;
    let value = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c !== '\\') {
        value += c;
        continue;
      }
      const code = body[++i];
      const simple = DOUBLE_QUOTE_ESCAPES[code];
      if (simple !== undefined) {
        value += simple;
        continue;
      }
      const length = HEX_ESCAPE_LENGTHS[code];
      const hex = body.slice(i + 1, i + 1 + (length ?? 0));
      if (length === undefined || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) outside();
      const point = Number.parseInt(hex, 16);
      if (point > 0x10ffff) outside();
      value += String.fromCodePoint(point);
      i += length;
    }
    return value;
  }

  /** `|` or `>` with an optional chomping indicator, then lines indented past `indent`. */
  private blockScalar(p: number, indent: number): YamlScalar {
    const { text } = this;
    const folded = text[p] === '>';
    let q = p + 1;
    const chomping = text[q] === '-' || text[q] === '+' ? text[q++] : '';
    this.finishLine(q);
    const lines: string[] = [];
    let contentIndent = -1;
    let trailingEmpty = 0;
    let line = this.pos;
    while (line < text.length) {
      const end = this.lineEnd(line);
      const spaces = this.indentAt(line);
      if (line + spaces === end) {
        // A blank line: more spaces than the content's indentation would be content.
        if (contentIndent < 0 || spaces > contentIndent) outside();
        lines.push('');
        trailingEmpty++;
      } else {
        if (contentIndent < 0) {
          if (spaces <= indent) break;
          contentIndent = spaces;
        }
        if (spaces < contentIndent) break;
        // More indented lines fold differently; left to the library.
        if (folded && spaces > contentIndent) outside();
        lines.push(text.slice(line + contentIndent, end));
        trailingEmpty = 0;
      }
      line = end + 1;
    }
    // Without a line break after the last line, what `+` keeps is the library's call.
    if (contentIndent < 0 || (chomping === '+' && line > text.length)) outside();
    this.pos = Math.min(line, text.length);
    const content = lines.slice(0, lines.length - trailingEmpty);
    const body = folded ? foldLines(content) : content.join('\n');
    const ending = chomping === '-' ? '' : chomping === '+' ? '\n'.repeat(trailingEmpty + 1) : '\n';
    return { kind: 'scalar', offset: p, value: body + ending, plain: false };
  }

  /** `[a, "b", 1]` on one line, scalars only. */
  private flowSequence(p: number): [YamlSeq, number] {
    const seq: YamlSeq = { kind: 'seq', offset: p, flow: true, items: [] };
    let q = this.skipSpaces(p + 1);
    while (this.text[q] !== ']') {
      const [item, end] = this.text[q] === '*' ? this.flowAlias(q) : this.flowScalar(q);
      this.countNode(item);
      seq.items.push(item);
      q = this.afterFlowEntry(end, ']');
    }
    return [seq, q + 1];
  }

  /** `{a: 1, "b": c}` on one line, scalar keys and values only. */
  private flowMapping(p: number): [YamlMap, number] {
    const map: YamlMap = { kind: 'map', offset: p, flow: true, pairs: [] };
    const keys = new Set<string>();
    let q = this.skipSpaces(p + 1);
    while (this.text[q] !== '}') {
      const [key, keyEnd] = this.flowScalar(q);
      const keyText = String(key.value);
      if (this.text[keyEnd] !== ':' || keys.has(keyText)) outside();
      keys.add(keyText);
      const [value, end] = this.flowScalar(this.skipSpaces(keyEnd + 1));
      map.pairs.push({ key, value });
      this.count(2);
      q = this.afterFlowEntry(end, '}');
    }
    return [map, q + 1];
  }

  /** After an entry: `,` and the next one (or the closing bracket), or the closing bracket. */
  private afterFlowEntry(end: number, close: string): number {
    const q = this.skipSpaces(end);
    if (this.text[q] === close) return q;
    if (this.text[q] !== ',') outside();
    const next = this.skipSpaces(q + 1);
    if (this.text[next] === ',') outside();
    return next;
  }

  /** A quoted or plain scalar inside a flow collection; plain ones stop at `,:]}`. */
  private flowScalar(p: number): [YamlScalar, number] {
    const { text } = this;
    const c = text[p];
    if (c === '"' || c === "'") {
      const end = this.quotedEnd(p) + 1;
      return [{ kind: 'scalar', offset: p, value: this.quotedValue(p), plain: false }, end];
    }
    if (c === undefined || INDICATORS.has(c)) outside();
    let q = p;
    let last = p;
    for (; q < text.length; q++) {
      const ch = text[q];
      if (ch === ',' || ch === ']' || ch === '}' || ch === ':') break;
      if (ch === '\n' || ch === '[' || ch === '{' || (ch === '#' && text[q - 1] === ' ')) outside();
      if (ch !== ' ') last = q + 1;
    }
    // `a:b` is one scalar in flow context; kept for the library.
    if (text[q] === ':' && text[q + 1] !== ' ') outside();
    const source = text.slice(p, last);
    return [
      { kind: 'scalar', offset: p, value: plainScalarValue(source, undefined), plain: true },
      last,
    ];
  }
}

/**
 * The next occurrence of a needle from a position, remembered: the reader moves forward,
 * so each search starts where the last one left off instead of scanning to the end again.
 */
class Occurrences {
  private searchedFrom = Number.POSITIVE_INFINITY;
  private found = -1;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  from(p: number): number {
    const stillNext = p >= this.searchedFrom && (this.found < 0 || this.found >= p);
    if (!stillNext) {
      this.searchedFrom = p;
      this.found = this.text.indexOf(this.needle, p);
    }
    return this.found;
  }
}

/** Folded block lines: line breaks become spaces, and n empty lines n line breaks. */
function foldLines(lines: string[]): string {
  let folded = '';
  let empty = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') {
      empty++;
      continue;
    }
    if (i > 0) folded += empty > 0 ? '\n'.repeat(empty) : ' ';
    folded += line;
    empty = 0;
  }
  return folded;
}
