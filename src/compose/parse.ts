import { ComposeError, type FieldPath, type SourcePosition } from './errors.js';
import { locatorFor, type SourceLocator, setOwnPosition } from './source-map.js';
import { readBlockYaml } from './yaml-block-reader.js';
import { readYamlWithLibrary } from './yaml-library-reader.js';
import type { YamlDocument } from './yaml-tree.js';
import { DROPPED, TreeConverter } from './yaml-values.js';

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

/**
 * Parses every `---`-separated document of a compose file; an empty file is one empty
 * model. Most compose files are read by the block reader; the rest, and every file
 * with a syntax error, by the `yaml` package.
 */
export function parseComposeYamlDocuments(text: string, file: string): ParsedDocument[] {
  const positionAt = positionsIn(text, file);
  const root = readBlockYaml(text);
  const documents: YamlDocument[] =
    root === undefined ? readYamlWithLibrary(text) : [{ root, expansionChecked: true }];
  const parsed = documents.map((document) => convertDocument(document, positionAt));
  return parsed.length > 0 ? parsed : [emptyDocument(file)];
}

function emptyDocument(file: string): ParsedDocument {
  const value = {};
  setOwnPosition(value, { file, line: 1, column: 1 });
  return { value, locate: locatorFor(value), overrides: [] };
}

function convertDocument(
  document: YamlDocument,
  positionAt: (offset: number) => SourcePosition,
): ParsedDocument {
  if (document.error) {
    throw new ComposeError(`invalid YAML: ${document.error.message}`, {
      position: positionAt(document.error.offset),
    });
  }
  const { root } = document;
  const converter = new TreeConverter(positionAt);
  if (!document.expansionChecked) converter.checkExpandedSize(root);
  const converted = converter.convert(root);
  const value = converted === null || converted === DROPPED ? {} : converted;
  const start = positionAt(root?.offset ?? 0);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ComposeError('the top level of a compose file must be a mapping', {
      position: start,
    });
  }
  setOwnPosition(value, { ...start, line: 1, column: 1 });
  return { value, locate: locatorFor(value), overrides: converter.overrides };
}

/** Line and column (both from 1) of an offset, found by a binary search over line starts. */
function positionsIn(text: string, file: string): (offset: number) => SourcePosition {
  let lineStarts: number[] | undefined;
  return (offset) => {
    lineStarts ??= startsOfLines(text);
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { file, line: low + 1, column: offset - lineStarts[low] + 1 };
  };
}

function startsOfLines(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}
