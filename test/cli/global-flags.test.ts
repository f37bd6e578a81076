import { describe, expect, it } from 'vitest';
import { subcommandOf } from '../../src/cli/global-flags.js';
import { createProgram } from '../../src/cli/program.js';

describe('subcommandOf', () => {
  it.each([
    [['config'], 'config'],
    [['-f', 'config', 'up'], 'up'],
    [['--file', 'a.yaml', '-p', 'config', 'config', '--services'], 'config'],
    [['--dry-run', 'down'], 'down'],
    [['--progress', 'plain', '--env-file', 'x', 'ps'], 'ps'],
    [['--', 'config'], 'config'],
    [['--version'], undefined],
    [[], undefined],
  ])('finds the subcommand of %j', (args, expected) => {
    expect(subcommandOf(args)).toBe(expected);
  });

  it('steps over the value of every global option commander knows to take one', () => {
    const withValue = createProgram().options.filter((option) => option.required);
    expect(withValue.length).toBeGreaterThan(5);
    for (const option of withValue) {
      for (const flag of [option.short, option.long].filter((f) => f !== undefined)) {
        expect(subcommandOf([flag, 'up', 'config']), flag).toBe('config');
      }
    }
  });
});
