import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateComposeText } from '../../bench/compose-text.js';
import type { SourcePosition } from '../../src/compose/errors.js';
import { isContainer, positionOf } from '../../src/compose/source-map.js';
import { readBlockYaml } from '../../src/compose/yaml-block-reader.js';
import { readYamlWithLibrary } from '../../src/compose/yaml-library-reader.js';
import type { YamlNode } from '../../src/compose/yaml-tree.js';
import { TreeConverter } from '../../src/compose/yaml-values.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const SPEC = '/work/shared/compose-spec';

/** Values, positions and override paths of a tree, as the loader sees them. */
function converted(root: YamlNode | null) {
  const converter = new TreeConverter((offset) => ({ file: 'f', line: 0, column: offset }));
  const value = converter.convert(root);
  return { value, positions: positionsOf(value), overrides: converter.overrides };
}

function positionsOf(value: unknown): unknown {
  if (!isContainer(value)) return undefined;
  const entries: [string, SourcePosition | undefined, unknown][] = Object.entries(value).map(
    ([key, child]) => [
      key,
      positionOf(value, Array.isArray(value) ? Number(key) : key),
      positionsOf(child),
    ],
  );
  return entries;
}

/** What the block reader makes of a text, beside what the yaml package makes of it. */
function bothReaders(text: string) {
  const block = readBlockYaml(text);
  const documents = readYamlWithLibrary(text);
  const library = documents.length === 0 ? null : documents[0].root;
  return { block, library, libraryError: documents[0]?.error, documentCount: documents.length };
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return yamlFilesUnder(file);
    return /\.ya?ml$/.test(name) ? [file] : [];
  });
}

/** The ```yaml examples of the Compose Specification, when its folder is here. */
function specExamples(): string[] {
  let files: string[];
  try {
    files = readdirSync(SPEC).filter((name) => name.endsWith('.md'));
  } catch {
    return [];
  }
  return files.flatMap((name) =>
    [...readFileSync(path.join(SPEC, name), 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map(
      (match) => match[1],
    ),
  );
}

/** Six levels of ten aliases each: a million nodes from a few lines. */
function aliasBomb(): string {
  const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 6; i++)
    levels.push(
      `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${levels.join('\n')}\n`;
}

const samples = [
  ...yamlFilesUnder(FIXTURES).map((file) => readFileSync(file, 'utf8')),
  ...specExamples(),
  generateComposeText(30),
];

describe('readBlockYaml against the yaml package', () => {
  it('reads every sample it accepts exactly as the yaml package does', () => {
    let accepted = 0;
    for (const text of samples) {
      const { block, library, libraryError, documentCount } = bothReaders(text);
      if (block === undefined) continue;
      accepted++;
      expect(libraryError, text).toBeUndefined();
      expect(documentCount, text).toBeLessThanOrEqual(1);
      expect(converted(block), text).toEqual(converted(library));
    }
    // Most compose files are in the subset: that is what makes `config` fast.
    expect(accepted).toBeGreaterThan(samples.length * 0.6);
  });

  it.each([
    [
      'scalars of the core schema',
      'a: ~\nb: True\nc: 0o17\nd: 0x1F\ne: 1e3\nf: .inf\ng: -.5\nh: 08\ni: 1_000\nj: "1"\nk: null\nl: FALSE\nm: 1.50\nn: nginx:1.2\no: -0o7\n',
    ],
    ['quoted scalars', `a: "x\\ty\\u00e9\\"z\\\\"\nb: 'it''s'\nc: "" # none\nd: ''\n`],
    ['empty values', 'a:\nb:   # comment\nc: &x\nd: !override\ne:   \nf:\n  -\n  - \n'],
    ['sequences at the key indentation', 'a:\n- 1\n- b: 2\n  c: 3\nd: x\n'],
    ['compact mappings in sequences', 'a:\n  - k: v\n    z:\n      - 1\n  - k: w\n'],
    [
      'block scalars',
      'a: |\n  line 1\n    indented\n\n  line 3\nb: >-\n  folded\n  text\n\n  para\n\n\nc: |+\n  kept\n\nd: |-\n  x\ne: >\n  y\n',
    ],
    [
      'flow collections',
      'a: [1, "two", three, ]\nb: {x: 1, "y": z}\nc: []\nd: {}\ne: !override [a]\n',
    ],
    [
      'anchors, aliases and merge keys',
      'x: &base\n  a: 1\n  b: &b [1, 2]\nw: &b2 {c: 3}\ny:\n  <<: *base\n  b: *b\nz:\n  <<: [*base, *b2]\n',
    ],
    [
      'reset and override tags',
      'a: !reset\nb: !reset [1]\nc: !override\n  x: 1\nd: !override 0x10\ne: !override .inf\n',
    ],
    [
      'comments everywhere',
      '# head\na: # after key\n  # inside\n  b: 1 # after value\n\n     # deeper comment\nc: d#not a comment\n',
    ],
    ['keys that resolve to other types', '1: a\ntrue: b\n"2": c\n~: d\n1.5: e\n'],
    ['a file without a final line break', 'a: |\n  x'],
    ['comments only', '# nothing\n\n'],
  ])('%s', (_, text) => {
    const { block, library } = bothReaders(text);
    expect(block).not.toBeUndefined();
    expect(converted(block as YamlNode | null)).toEqual(converted(library));
  });

  it.each([
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line quoted scalar', 'a: "one\n  two"\n'],
    ['several documents', 'a: 1\n---\nb: 2\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a mapping on one line', 'a: b: c\n'],
    ['an unknown alias', 'a: *nope\n'],
    ['an unknown tag', 'a: !!str 1\n'],
    ['a tab', 'a:\tb\n'],
    ['a nested flow collection', 'a: [[1]]\n'],
    ['a complex key', '? a\n: b\n'],
    ['a top level that is no mapping', '- a\n'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['an explicit indentation indicator', 'a: |2\n  x\n'],
    ['an alias to its own anchor', 'a: &x\n  b: *x\n'],
    ['an alias bomb', aliasBomb()],
  ])('leaves %s to the yaml package', (_, text) => {
    expect(readBlockYaml(text)).toBeUndefined();
  });
});
