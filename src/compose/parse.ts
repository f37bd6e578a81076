import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  Scalar,
} from 'yaml';
import { ComposeError, type FieldPath, type SourcePosition } from './errors.js';
import {
  copyPosition,
  locatorFor,
  type SourceLocator,
  setOwnPosition,
  setPosition,
} from './source-map.js';

/** One YAML document of a compose file, as plain values with their source positions. */
export interface ParsedDocument {
  value: unknown;
  locate: SourceLocator;
  /**
   * Paths tagged `!reset` (already removed from value) or `!override` (kept): there the
   * document replaces what earlier files defined instead of merging with it.
   */
  overrides: FieldPath[];
}

/** Guards against alias bombs: no real compose file expands to this many nodes. */
const MAX_EXPANDED_NODES = 250_000;

const DROPPED = Symbol('dropped by !reset');

/** Parses a compose file that holds one YAML document (the usual case). */
export function parseComposeYaml(text: string, file: string): ParsedDocument {
  const documents = parseComposeYamlDocuments(text, file);
  if (documents.length > 1) {
    throw new ComposeError('expected one YAML document, found several', {
      position: { file, line: 1, column: 1 },
      hint: 'load it with parseComposeYamlDocuments',
    });
  }
  return documents[0];
}

/** Parses every `---`-separated document of a compose file; an empty file is one empty model. */
export function parseComposeYamlDocuments(text: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    version: '1.2',
    schema: 'core',
  });
  if (!Array.isArray(documents)) {
    return [emptyDocument(file)];
  }
  const positionAt = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const parsed = documents.map((document) => convertDocument(document, positionAt));
  return parsed.length > 0 ? parsed : [emptyDocument(file)];
}

function emptyDocument(file: string): ParsedDocument {
  const value = {};
  setOwnPosition(value, { file, line: 1, column: 1 });
  return { value, locate: locatorFor(value), overrides: [] };
}

function convertDocument(
  document: Document.Parsed,
  positionAt: (offset: number) => SourcePosition,
): ParsedDocument {
  const syntaxError = document.errors[0];
  if (syntaxError) {
    throw new ComposeError(`invalid YAML: ${syntaxError.message}`, {
      position: positionAt(syntaxError.pos[0]),
    });
  }
  const converter = new NodeConverter(document, positionAt);
  const contents = document.contents;
  converter.checkExpandedSize(contents);
  const converted = contents === null ? null : converter.convert(contents, []);
  const value = converted === null || converted === DROPPED ? {} : converted;
  const start = positionAt(contents?.range?.[0] ?? 0);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ComposeError('the top level of a compose file must be a mapping', {
      position: start,
    });
  }
  setOwnPosition(value, { ...start, line: 1, column: 1 });
  return { value, locate: locatorFor(value), overrides: converter.overrides };
}

/**
 * Turns the YAML syntax tree into plain values, expanding aliases and `<<` merge keys
 * itself so that every expanded copy gets positions and `!reset`/`!override` tags are
 * seen at the path where they take effect (as Compose does).
 */
class NodeConverter {
  readonly overrides: FieldPath[] = [];
  private readonly expanding = new Set<Node>();
  private readonly aliasTargets: Map<Node, Node | undefined>;
  private readonly expandedSizes = new Map<unknown, number>();

  constructor(
    document: Document.Parsed,
    private readonly positionAt: (offset: number) => SourcePosition,
  ) {
    this.aliasTargets = resolveAliases(document);
  }

  convert(node: unknown, path: FieldPath): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.convertAlias(node, path);
    const tag = (node as { tag?: string }).tag;
    if (tag === '!reset') {
      this.overrides.push(path);
      return DROPPED;
    }
    if (tag === '!override') this.overrides.push(path);
    if (isScalar(node)) return scalarValue(node);
    if (isMap(node)) return this.convertMapping(node.items as Pair[], path);
    if (isSeq(node)) return this.convertSequence(node.items, path);
    throw new ComposeError('unsupported YAML node', { position: this.positionOfNode(node) });
  }

  /**
   * Refuses a document whose aliases would expand it beyond any real compose file (an
   * alias bomb) before expanding anything, by counting nodes with each anchor counted once.
   */
  checkExpandedSize(root: unknown): void {
    if (this.expandedSize(root, new Set()) > MAX_EXPANDED_NODES) {
      throw new ComposeError('the document expands to too many nodes through aliases', {
        position: this.positionOfNode(root),
      });
    }
  }

  private expandedSize(node: unknown, visiting: Set<unknown>): number {
    if (node === null || typeof node !== 'object') return 1;
    // Only an anchored node can be reached twice (through aliases), so only it is remembered.
    const anchored = Boolean((node as { anchor?: string }).anchor);
    if (anchored) {
      const known = this.expandedSizes.get(node);
      if (known !== undefined) return known;
      // An alias inside its own anchor is reported while converting; count it once here.
      if (visiting.has(node)) return 1;
      visiting.add(node);
    }
    let size = 1;
    if (isAlias(node)) size = this.expandedSize(this.aliasTarget(node), visiting);
    else if (isMap(node)) {
      for (const pair of node.items as Pair[]) {
        size += this.expandedSize(pair.key, visiting) + this.expandedSize(pair.value, visiting);
        if (size > MAX_EXPANDED_NODES) break;
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        size += this.expandedSize(item, visiting);
        if (size > MAX_EXPANDED_NODES) break;
      }
    }
    if (anchored) {
      visiting.delete(node);
      this.expandedSizes.set(node, size);
    }
    return size;
  }

  private aliasTarget(node: Node): Node | undefined {
    return this.aliasTargets.get(node);
  }

  private convertAlias(node: Node & { source: string }, path: FieldPath): unknown {
    const target = this.aliasTarget(node);
    if (!target) {
      throw new ComposeError(`unknown alias *${node.source}`, {
        position: this.positionOfNode(node),
      });
    }
    if (this.expanding.has(target)) {
      throw new ComposeError(`alias *${node.source} refers to itself`, {
        position: this.positionOfNode(node),
      });
    }
    this.expanding.add(target);
    try {
      return this.convert(target, path);
    } finally {
      this.expanding.delete(target);
    }
  }

  private convertMapping(pairs: Pair[], path: FieldPath): Record<string, unknown> {
    const explicit: Record<string, unknown> = {};
    const merged: Record<string, unknown> = {};
    for (const pair of pairs) {
      if (isMergeKey(pair.key)) {
        this.mergeInto(merged, pair, path);
        continue;
      }
      const key = this.keyOf(pair);
      const value = this.convert(pair.value, [...path, key]);
      if (value === DROPPED) continue;
      explicit[key] = value;
      const position = this.positionOfPair(pair);
      if (position) setPosition(explicit, key, position);
    }
    const mapping: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(merged)) {
      if (Object.hasOwn(explicit, key)) continue;
      mapping[key] = value;
      copyPosition(merged, key, mapping, key);
    }
    for (const [key, value] of Object.entries(explicit)) {
      mapping[key] = value;
      copyPosition(explicit, key, mapping, key);
    }
    return mapping;
  }

  /** `<<: *a` or `<<: [*a, *b]`: earlier sources win over later ones (YAML merge type). */
  private mergeInto(target: Record<string, unknown>, pair: Pair, path: FieldPath): void {
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const value = this.convert(source, path);
      if (value === DROPPED) continue;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ComposeError('the merge key << takes a mapping or a list of mappings', {
          position: this.positionOfNode(source ?? pair.key),
        });
      }
      for (const [key, child] of Object.entries(value)) {
        if (Object.hasOwn(target, key)) continue;
        target[key] = child;
        copyPosition(value, key, target, key);
      }
    }
  }

  private convertSequence(items: unknown[], path: FieldPath): unknown[] {
    const sequence: unknown[] = [];
    for (const item of items) {
      const value = this.convert(item, [...path, sequence.length]);
      if (value === DROPPED) continue;
      const position = this.positionOfNode(item);
      if (position) setPosition(sequence, sequence.length, position);
      sequence.push(value);
    }
    return sequence;
  }

  private keyOf(pair: Pair): string {
    const key = this.keyText(pair.key);
    // A plain object cannot hold this key as data; no compose field or name needs it.
    if (key === '__proto__') {
      throw new ComposeError('the mapping key __proto__ is not supported', {
        position: this.positionOfNode(pair.key),
      });
    }
    return key;
  }

  private keyText(key: unknown): string {
    if (isAlias(key)) {
      const target = this.aliasTarget(key);
      if (isScalar(target)) return String(scalarValue(target));
    }
    if (key === null || key === undefined) return 'null';
    if (isScalar(key)) return String(scalarValue(key));
    throw new ComposeError('mapping keys must be plain values', {
      position: this.positionOfNode(key),
    });
  }

  /** Scalars and flow values point at the value itself; block collections at their key. */
  private positionOfPair(pair: Pair): SourcePosition | undefined {
    const value = pair.value as Node | null;
    const isBlockCollection = (isMap(value) || isSeq(value)) && !(value as { flow?: boolean }).flow;
    if (value && !isBlockCollection) return this.positionOfNode(value);
    return this.positionOfNode(pair.key) ?? this.positionOfNode(value);
  }

  private positionOfNode(node: unknown): SourcePosition | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? this.positionAt(range[0]) : undefined;
  }
}

/**
 * The node each alias of the document refers to: the last node before it carrying its
 * anchor, as the YAML library's own `resolve` finds it. One walk for the whole document,
 * where `resolve` walks it again for every alias.
 */
function resolveAliases(document: Document.Parsed): Map<Node, Node | undefined> {
  const anchored = new Map<string, Node>();
  const targets = new Map<Node, Node | undefined>();
  // The library's visit order (a node, then its items; a pair's key, then its value),
  // without its per-node bookkeeping.
  const walk = (node: unknown): void => {
    if (isAlias(node)) targets.set(node, anchored.get(node.source));
    else if (isScalar(node) || isCollection(node)) {
      if (node.anchor) anchored.set(node.anchor, node);
      if (!isCollection(node)) return;
      for (const item of node.items) {
        if (isPair(item)) {
          walk(item.key);
          walk(item.value);
        } else walk(item);
      }
    }
  };
  walk(document.contents);
  return targets;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.type === Scalar.PLAIN && key.value === '<<';
}

/**
 * The resolved value of a scalar. Plain integers are read as go-yaml (Compose's parser)
 * reads them, so `mode: 0440` is octal. A scalar carrying one of Compose's own tags was
 * not resolved by the YAML library, so it is resolved here as an untagged one would be.
 */
function scalarValue(node: Scalar): unknown {
  if (node.type !== Scalar.PLAIN) return node.value;
  const composeTag = node.tag === '!reset' || node.tag === '!override';
  if (node.tag !== undefined && !composeTag) return node.value;
  const text = String(node.source ?? node.value);
  const integer = goYamlInteger(text);
  if (integer !== undefined) return integer;
  return composeTag ? resolvePlainScalar(text) : node.value;
}

/** Go's integer syntax after dropping `_`: 0b101, 0o17, 0x1f, and 0440 (octal). */
function goYamlInteger(text: string): number | undefined {
  const match = /^([-+]?)(0b[01]+|0o[0-7]+|0x[0-9a-f]+|0[0-7]+|[1-9][0-9]*|0)$/i.exec(
    text.replaceAll('_', ''),
  );
  if (!match) return undefined;
  const [, sign, digits] = match;
  const isOctal = /^0[0-7]+$/.test(digits);
  const magnitude = isOctal ? Number.parseInt(digits, 8) : Number(digits);
  return sign === '-' ? -magnitude : magnitude;
}

function resolvePlainScalar(text: string): unknown {
  if (/^(?:~|null|Null|NULL)?$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  const isNumber = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text);
  return isNumber ? Number(text) : text;
}
