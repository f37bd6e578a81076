import { describe, expect, it } from 'vitest';
import {
  activeProfiles,
  applyProfiles,
  type ProfileSelection,
} from '../../src/compose/profiles.js';
import { composeErrorText as failure, memoryLookup, normalizeDocument } from './project-helpers.js';

/** The spec's illustrative example (15-profiles.md). */
const SPEC_EXAMPLE = {
  services: {
    foo: { image: 'foo' },
    bar: { image: 'bar', profiles: ['test'] },
    baz: { image: 'baz', depends_on: ['bar'], profiles: ['test'] },
    zot: { image: 'zot', depends_on: ['bar'], profiles: ['debug'] },
  },
};

function enabled(
  document: Record<string, unknown>,
  selection: Partial<ProfileSelection>,
): string[] {
  const lookup = memoryLookup();
  const project = normalizeDocument(document, { lookup });
  const applied = applyProfiles(project, { flags: [], explicitServices: [], ...selection }, lookup);
  return Object.keys(applied.services).sort();
}

describe('activeProfiles', () => {
  it.each<[Partial<ProfileSelection>, string[]]>([
    [{ flags: ['a', 'b', 'a'] }, ['a', 'b']],
    [{ environmentValue: 'a, b,,c' }, ['a', 'b', 'c']],
    [{ flags: ['x'], environmentValue: 'a' }, ['x']],
    [{}, []],
  ])('%j', (selection, expected) => {
    expect(activeProfiles({ flags: [], explicitServices: [], ...selection })).toEqual(expected);
  });
});

describe('applyProfiles on the spec example', () => {
  it.each<[string, Partial<ProfileSelection>, string[]]>([
    ['no profile', {}, ['foo']],
    ['test', { flags: ['test'] }, ['bar', 'baz', 'foo']],
    ['test from COMPOSE_PROFILES', { environmentValue: 'test' }, ['bar', 'baz', 'foo']],
    ['debug and test', { flags: ['debug', 'test'] }, ['bar', 'baz', 'foo', 'zot']],
    ['* enables all', { flags: ['*'] }, ['bar', 'baz', 'foo', 'zot']],
    ['explicit bar', { explicitServices: ['bar'] }, ['bar', 'baz', 'foo']],
    ['explicit baz', { explicitServices: ['baz'] }, ['bar', 'baz', 'foo']],
    [
      'explicit zot with test',
      { flags: ['test'], explicitServices: ['zot'] },
      ['bar', 'baz', 'foo', 'zot'],
    ],
  ])('%s', (_name, selection, expected) => {
    expect(enabled(SPEC_EXAMPLE, selection)).toEqual(expected);
  });

  it.each<[string, Partial<ProfileSelection>]>([
    ['debug alone', { flags: ['debug'] }],
    ['explicit zot', { explicitServices: ['zot'] }],
  ])('%s leaves zot depending on a disabled service', (_name, selection) => {
    expect(failure(() => enabled(SPEC_EXAMPLE, selection))).toBe(
      'services.zot.depends_on[0]: service "zot" depends on service "bar", which its profiles disable (enable one of its profiles: test)',
    );
  });

  it('drops an optional dependency on a disabled service', () => {
    const document = {
      services: {
        app: {
          image: 'a',
          depends_on: { debug: { condition: 'service_started', required: false } },
        },
        debug: { image: 'd', profiles: ['debug'] },
      },
    };
    expect(enabled(document, {})).toEqual(['app']);
  });

  it('rejects links and network_mode to disabled services', () => {
    const document = {
      services: {
        app: { image: 'a', network_mode: 'service:vpn' },
        vpn: { image: 'v', profiles: ['vpn'] },
      },
    };
    expect(failure(() => enabled(document, {}))).toBe(
      'services.app.network_mode: service "app" shares the network of service "vpn", which its profiles disable (enable one of its profiles: vpn)',
    );
  });

  it('rejects an unknown explicit service', () => {
    expect(failure(() => enabled(SPEC_EXAMPLE, { explicitServices: ['baa'] }))).toBe(
      "no such service: baa (did you mean 'bar'?)",
    );
  });
});
