import { posix } from 'node:path';

/**
 * `.dockerignore`: which context paths a build leaves out. One pattern a line, `#`
 * comments, `!` re-includes, `*` and `?` within one path segment, `**` across any
 * number of them, `[...]` classes; a pattern that matches a directory matches all
 * of its contents; the last pattern that matches decides.
 */
export interface IgnorePattern {
  pattern: string;
  negated: boolean;
  regexp: RegExp;
}

function classEnd(pattern: string, from: number): number {
  const close = pattern.indexOf(']', from + 2);
  return close === -1 ? -1 : close;
}

/** Go's filepath.Match syntax, plus `**`, as an anchored regular expression. */
export function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[' && classEnd(pattern, i) !== -1) {
      const close = classEnd(pattern, i);
      const body = pattern
        .slice(i + 1, close)
        .replace(/^\^|^!/, '^')
        .replace(/\\/g, '\\\\');
      source += `[${body}]`;
      i = close;
    } else if (char === '\\' && i + 1 < pattern.length) {
      source += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A pattern as Docker cleans it: no leading slash or `./`, no `..` escaping the context. */
function cleanPattern(text: string): string {
  const cleaned = posix.normalize(text).replace(/^\/+/, '').replace(/\/+$/, '');
  return cleaned === '.' ? '' : cleaned;
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1).trim();
    const pattern = cleanPattern(line);
    if (pattern === '') continue;
    patterns.push({ pattern, negated, regexp: patternToRegExp(pattern) });
  }
  return patterns;
}

/** The path itself and each of its parent directories: `a/b/c` → a, a/b, a/b/c. */
function selfAndParents(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** Whether a context-relative path (`dir/file`, no leading slash) is left out. */
export function isIgnored(path: string, patterns: IgnorePattern[]): boolean {
  let ignored = false;
  const candidates = selfAndParents(path);
  for (const { negated, regexp } of patterns) {
    if (candidates.some((candidate) => regexp.test(candidate))) ignored = !negated;
  }
  return ignored;
}
