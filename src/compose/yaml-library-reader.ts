import { createRequire } from 'node:module';
import type { Node, Pair, Scalar } from 'yaml';
import { goYamlInteger, isComposeTag, resolvePlainScalar } from './scalar-values.js';
import type { YamlDocument, YamlMap, YamlNode, YamlSeq } from './yaml-tree.js';

type YamlLibrary = typeof import('yaml');

let library: YamlLibrary | undefined;

/**
 * The `yaml` package takes tens of milliseconds to load, and the block reader handles
 * most compose files without it, so it is loaded on first use only.
 */
function yamlLibrary(): YamlLibrary {
  library ??= createRequire(import.meta.url)('yaml') as YamlLibrary;
  return library;
}

/**
 * Reads every `---`-separated document of a YAML 1.2 text with the `yaml` package, for
 * what the block reader leaves to it: any YAML at all, and the wording of syntax errors.
 */
export function readYamlWithLibrary(text: string): YamlDocument[] {
  const yaml = yamlLibrary();
  const documents = yaml.parseAllDocuments(text, {
    prettyErrors: false,
    version: '1.2',
    schema: 'core',
  });
  if (!Array.isArray(documents)) return [];
  return documents.map((document) => {
    const error = document.errors[0];
    if (error) return { root: null, error: { message: error.message, offset: error.pos[0] } };
    return { root: new TreeBuilder(yaml).node(document.contents) };
  });
}

/**
 * Turns the library's nodes into the loader's tree. Each alias points at the last node
 * before it carrying its anchor, as the library's own `resolve` finds it: the walk
 * visits a node before its items, a pair's key before its value.
 */
class TreeBuilder {
  private readonly anchored = new Map<string, YamlNode>();

  constructor(private readonly yaml: YamlLibrary) {}

  node(node: unknown): YamlNode | null {
    const { yaml } = this;
    if (yaml.isAlias(node)) {
      return {
        kind: 'alias',
        offset: offsetOf(node),
        source: node.source,
        target: this.anchored.get(node.source),
      };
    }
    if (yaml.isScalar(node)) {
      return this.remember(node, {
        kind: 'scalar',
        offset: offsetOf(node),
        value: this.scalarValue(node),
        plain: node.type === yaml.Scalar.PLAIN,
        tag: node.tag,
        anchor: node.anchor,
      });
    }
    if (yaml.isMap(node)) {
      const map = this.remember<YamlMap>(node, {
        kind: 'map',
        offset: offsetOf(node),
        flow: Boolean(node.flow),
        pairs: [],
        tag: node.tag,
        anchor: node.anchor,
      });
      for (const pair of node.items as Pair[]) {
        const key = this.node(pair.key);
        map.pairs.push({ key, value: this.node(pair.value) });
      }
      return map;
    }
    if (yaml.isSeq(node)) {
      const seq = this.remember<YamlSeq>(node, {
        kind: 'seq',
        offset: offsetOf(node),
        flow: Boolean(node.flow),
        items: [],
        tag: node.tag,
        anchor: node.anchor,
      });
      for (const item of node.items) seq.items.push(this.node(item));
      return seq;
    }
    return null;
  }

  private remember<T extends YamlNode>(node: Node, converted: T): T {
    if (node.anchor) this.anchored.set(node.anchor, converted);
    return converted;
  }

  /**
   * The library resolved untagged plain scalars by the core schema; integers are read
   * again as go-yaml reads them, and Compose-tagged scalars (left unresolved) resolved.
   */
  private scalarValue(node: Scalar): unknown {
    if (node.type !== this.yaml.Scalar.PLAIN) return node.value;
    const composeTag = isComposeTag(node.tag);
    if (node.tag !== undefined && !composeTag) return node.value;
    const text = String(node.source ?? node.value);
    const integer = goYamlInteger(text);
    if (integer !== undefined) return integer;
    return composeTag ? resolvePlainScalar(text) : node.value;
  }
}

function offsetOf(node: Node): number {
  return node.range?.[0] ?? 0;
}
