import { ComposeError, type FieldPath, type SourcePosition } from './errors.js';
import { copyPosition, setPosition } from './source-map.js';
import type { YamlAlias, YamlNode, YamlPair } from './yaml-tree.js';

/** Guards against alias bombs: no real compose file expands to this many nodes. */
export const MAX_EXPANDED_NODES = 250_000;

export const DROPPED = Symbol('dropped by !reset');

/**
 * A node's path as a chain to its parent: paths are needed only for the rare tagged
 * node, so none is built as an array while converting.
 */
interface PathLink {
  parent: PathLink | undefined;
  key: string | number;
}

function pathOf(link: PathLink | undefined): FieldPath {
  const path: (string | number)[] = [];
  for (let at = link; at; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * Turns a YAML tree into plain values, expanding aliases and `<<` merge keys itself so
 * that every expanded copy gets positions and `!reset`/`!override` tags are seen at the
 * path where they take effect (as Compose does).
 */
export class TreeConverter {
  readonly overrides: FieldPath[] = [];
  private readonly expanding = new Set<YamlNode>();
  private readonly expandedSizes = new Map<YamlNode, number>();

  constructor(private readonly positionAt: (offset: number) => SourcePosition) {}

  convert(node: YamlNode | null, path?: PathLink): unknown {
    if (node === null) return null;
    if (node.kind === 'alias') return this.convertAlias(node, path);
    if (node.tag === '!reset') {
      this.overrides.push(pathOf(path));
      return DROPPED;
    }
    if (node.tag === '!override') this.overrides.push(pathOf(path));
    if (node.kind === 'scalar') return node.value;
    if (node.kind === 'map') return this.convertMapping(node.pairs, path);
    return this.convertSequence(node.items, path);
  }

  /**
   * Refuses a document whose aliases would expand it beyond any real compose file (an
   * alias bomb) before expanding anything, by counting nodes with each anchor counted once.
   */
  checkExpandedSize(root: YamlNode | null): void {
    if (root !== null && this.expandedSize(root, new Set()) > MAX_EXPANDED_NODES) {
      throw new ComposeError('the document expands to too many nodes through aliases', {
        position: this.positionOf(root),
      });
    }
  }

  positionOf(node: YamlNode | null): SourcePosition | undefined {
    return node === null ? undefined : this.positionAt(node.offset);
  }

  private expandedSize(node: YamlNode | null, visiting: Set<YamlNode>): number {
    if (node === null || node.kind === 'scalar') return 1;
    // Only an anchored node can be reached twice (through aliases), so only it is remembered.
    const anchored = Boolean(node.anchor);
    if (anchored) {
      const known = this.expandedSizes.get(node);
      if (known !== undefined) return known;
      // An alias inside its own anchor is reported while converting; count it once here.
      if (visiting.has(node)) return 1;
      visiting.add(node);
    }
    let size = 1;
    if (node.kind === 'alias') size = node.target ? this.expandedSize(node.target, visiting) : 1;
    else if (node.kind === 'map') {
      for (const pair of node.pairs) {
        size += this.expandedSize(pair.key, visiting) + this.expandedSize(pair.value, visiting);
        if (size > MAX_EXPANDED_NODES) break;
      }
    } else {
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

  private convertAlias(node: YamlAlias, path: PathLink | undefined): unknown {
    const { target } = node;
    if (!target) {
      throw new ComposeError(`unknown alias *${node.source}`, { position: this.positionOf(node) });
    }
    if (this.expanding.has(target)) {
      throw new ComposeError(`alias *${node.source} refers to itself`, {
        position: this.positionOf(node),
      });
    }
    this.expanding.add(target);
    try {
      return this.convert(target, path);
    } finally {
      this.expanding.delete(target);
    }
  }

  private convertMapping(pairs: YamlPair[], path: PathLink | undefined): Record<string, unknown> {
    const explicit: Record<string, unknown> = {};
    const merged: Record<string, unknown> = {};
    let hasMerged = false;
    for (const pair of pairs) {
      if (isMergeKey(pair.key)) {
        this.mergeInto(merged, pair, path);
        hasMerged = true;
        continue;
      }
      const key = this.keyOf(pair);
      const value = this.convert(pair.value, { parent: path, key });
      if (value === DROPPED) continue;
      explicit[key] = value;
      const position = this.positionOfPair(pair);
      if (position) setPosition(explicit, key, position);
    }
    if (!hasMerged) return explicit;
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
  private mergeInto(
    target: Record<string, unknown>,
    pair: YamlPair,
    path: PathLink | undefined,
  ): void {
    const sources = pair.value?.kind === 'seq' ? pair.value.items : [pair.value];
    for (const source of sources) {
      const value = this.convert(source, path);
      if (value === DROPPED) continue;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ComposeError('the merge key << takes a mapping or a list of mappings', {
          position: this.positionOf(source ?? pair.key),
        });
      }
      for (const [key, child] of Object.entries(value)) {
        if (Object.hasOwn(target, key)) continue;
        target[key] = child;
        copyPosition(value, key, target, key);
      }
    }
  }

  private convertSequence(items: (YamlNode | null)[], path: PathLink | undefined): unknown[] {
    const sequence: unknown[] = [];
    for (const item of items) {
      const value = this.convert(item, { parent: path, key: sequence.length });
      if (value === DROPPED) continue;
      const position = this.positionOf(item);
      if (position) setPosition(sequence, sequence.length, position);
      sequence.push(value);
    }
    return sequence;
  }

  private keyOf(pair: YamlPair): string {
    const key = this.keyText(pair.key);
    // A plain object cannot hold this key as data; no compose field or name needs it.
    if (key === '__proto__') {
      throw new ComposeError('the mapping key __proto__ is not supported', {
        position: this.positionOf(pair.key),
      });
    }
    return key;
  }

  private keyText(key: YamlNode | null): string {
    if (key?.kind === 'alias' && key.target?.kind === 'scalar') return String(key.target.value);
    if (key === null) return 'null';
    if (key.kind === 'scalar') return String(key.value);
    throw new ComposeError('mapping keys must be plain values', { position: this.positionOf(key) });
  }

  /** Scalars and flow values point at the value itself; block collections at their key. */
  private positionOfPair(pair: YamlPair): SourcePosition | undefined {
    const { value } = pair;
    const isBlockCollection = (value?.kind === 'map' || value?.kind === 'seq') && !value.flow;
    if (value && !isBlockCollection) return this.positionAt(value.offset);
    return this.positionOf(pair.key) ?? this.positionOf(value);
  }
}

function isMergeKey(key: YamlNode | null): boolean {
  return key?.kind === 'scalar' && key.plain && key.value === '<<';
}
