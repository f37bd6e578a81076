import { describe, expect, it } from 'vitest';
import { isIgnored, parseDockerignore } from '../../src/build-context/dockerignore.js';

const ignored = (rules: string, path: string) => isIgnored(path, parseDockerignore(rules));

describe('.dockerignore', () => {
  /** A rule, the paths it ignores, and the paths it keeps. */
  const rules: [string, string[], string[]][] = [
    ['secret.txt', ['secret.txt'], ['sub/secret.txt']],
    ['node_modules', ['node_modules/a/b.js'], []],
    ['/build/', ['build/out'], []],
    ['./logs', ['logs'], []],
    ['*.log', ['a.log'], ['dir/a.log']],
    ['*/*.log', ['dir/a.log'], []],
    ['**/*.log', ['a/b/c.log', 'c.log'], []],
    ['file?.txt', ['file1.txt'], ['file10.txt']],
    ['file[0-3].txt', ['file2.txt'], []],
    ['file[!0-3].txt', [], ['file2.txt']],
  ];

  it.each(rules)('%j ignores %j and keeps %j', (rule, ignoredPaths, keptPaths) => {
    for (const path of ignoredPaths) expect(ignored(rule, path)).toBe(true);
    for (const path of keptPaths) expect(ignored(rule, path)).toBe(false);
  });

  it('lets the last matching rule decide, with ! re-including', () => {
    const rules = '# comment\n*.md\n!README.md\n\ndocs\n!docs/keep.txt\n';
    expect(ignored(rules, 'CHANGES.md')).toBe(true);
    expect(ignored(rules, 'README.md')).toBe(false);
    expect(ignored(rules, 'docs/other.txt')).toBe(true);
    expect(ignored(rules, 'docs/keep.txt')).toBe(false);
    expect(ignored('!a\na', 'a')).toBe(true);
  });

  it('escapes with a backslash and ignores empty patterns', () => {
    expect(ignored('\\*.txt', '*.txt')).toBe(true);
    expect(ignored('\\*.txt', 'a.txt')).toBe(false);
    expect(parseDockerignore('\n  \n/\n.\n')).toEqual([]);
  });
});
