import { describe, expect, it } from 'vitest';
import { ShellSplitError, shellSplit } from '../../src/compose/shell-split.js';

describe('shellSplit', () => {
  it.each([
    ['bundle exec thin -p 3000', ['bundle', 'exec', 'thin', '-p', '3000']],
    ['  spaced   out\twords\n', ['spaced', 'out', 'words']],
    [`sh -c 'echo "hello $HOSTNAME"'`, ['sh', '-c', 'echo "hello $HOSTNAME"']],
    [`echo "a \\"quoted\\" word"`, ['echo', 'a "quoted" word']],
    [`echo "back\\\\slash" "keep \\n"`, ['echo', 'back\\slash', 'keep \\n']],
    ['echo a\\ b', ['echo', 'a b']],
    [`echo ''`, ['echo', '']],
    [`echo ""`, ['echo', '']],
    [`a'b'"c"d`, ['abcd']],
    ['', []],
    ['   ', []],
    ['echo $$HOME', ['echo', '$$HOME']],
  ])('%j', (text, words) => {
    expect(shellSplit(text)).toEqual(words);
  });

  it.each([`echo 'open`, `echo "open`])('rejects the unterminated quote in %j', (text) => {
    expect(() => shellSplit(text)).toThrow(ShellSplitError);
  });
});
