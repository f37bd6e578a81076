import { describe, expect, it } from 'vitest';
import { parseBuildArgs } from '../../src/cli/commands/build.js';
import { buildOptions } from '../../src/engine/api/routes-build.js';

describe('tcompose build --build-arg', () => {
  it('takes KEY=VALUE, and KEY alone from the environment when set there', () => {
    expect(
      parseBuildArgs(['A=1', 'B=x=y', 'C=', 'FROM_ENV', 'UNSET'], { FROM_ENV: 'env value' }),
    ).toEqual({ A: '1', B: 'x=y', C: '', FROM_ENV: 'env value' });
    expect(() => parseBuildArgs(['=1'])).toThrow('invalid --build-arg "=1"');
  });
});

describe('POST /build query', () => {
  it('reads repeated tags, JSON build args and labels, and flags', () => {
    expect(
      buildOptions({
        t: ['app', 'registry.local:5000/team/app:2'],
        buildargs: '{"A":"1","B":null}',
        labels: '{"role":"web"}',
        nocache: '1',
        q: 'true',
        target: 'final',
      }),
    ).toEqual({
      dockerfile: 'Dockerfile',
      tags: ['app:latest', 'registry.local:5000/team/app:2'],
      buildArgs: { A: '1', B: null },
      target: 'final',
      labels: { role: 'web' },
      noCache: true,
      quiet: true,
    });
  });

  it('refuses a bad tag or bad JSON before the build starts', () => {
    expect(() => buildOptions({ t: 'Bad Tag' })).toThrow('invalid tag "Bad Tag"');
    expect(() => buildOptions({ buildargs: '[1]' })).toThrow('invalid buildargs');
  });
});
