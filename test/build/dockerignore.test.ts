import { describe, expect, it } from 'vitest';
import { isIgnored, parseDockerignore } from '../../src/engine/build/dockerignore.js';

const ignored = (rules: string, path: string) => isIgnored(path, parseDockerignore(rules));

describe('.dockerignore', () => {
  it('matches names, directories and their contents', () => {
    expect(ignored('secret.txt', 'secret.txt')).toBe(true);
    expect(ignored('secret.txt', 'sub/secret.txt')).toBe(false);
    expect(ignored('node_modules', 'node_modules/a/b.js')).toBe(true);
    expect(ignored('/build/', 'build/out')).toBe(true);
    expect(ignored('./logs', 'logs')).toBe(true);
  });

  it('takes * and ? within a segment and ** across segments', () => {
    expect(ignored('*.log', 'a.log')).toBe(true);
    expect(ignored('*.log', 'dir/a.log')).toBe(false);
    expect(ignored('*/*.log', 'dir/a.log')).toBe(true);
    expect(ignored('**/*.log', 'a/b/c.log')).toBe(true);
    expect(ignored('**/*.log', 'c.log')).toBe(true);
    expect(ignored('file?.txt', 'file1.txt')).toBe(true);
    expect(ignored('file?.txt', 'file10.txt')).toBe(false);
    expect(ignored('file[0-3].txt', 'file2.txt')).toBe(true);
    expect(ignored('file[!0-3].txt', 'file2.txt')).toBe(false);
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
