import { describe, expect, it } from 'vitest';
import { applyConfigInstruction, parseDuration } from '../../src/engine/build/build-steps.js';
import { type Instruction, parseDockerfile } from '../../src/engine/build/dockerfile-parse.js';
import { expandWord, keyValuePairs, splitWords } from '../../src/engine/build/word-expand.js';

const vars: Record<string, string> = { NAME: 'world', EMPTY: '', SPACED: 'a b' };
const lookup = (name: string) => vars[name];

describe('parseDockerfile', () => {
  it('reads instructions, comments, continuations, flags and the JSON form', () => {
    const { instructions } = parseDockerfile(
      [
        '# a comment',
        'from busybox AS base',
        '',
        'RUN echo one \\',
        '  # a comment inside a continuation',
        '',
        '  && echo two',
        'COPY --from=base --chown=1:2 /a /b/',
        'CMD ["sh", "-c", "echo hi"]',
        'ENTRYPOINT [not json',
      ].join('\n'),
    );
    expect(instructions).toEqual([
      { line: 2, keyword: 'FROM', flags: {}, args: 'busybox AS base' },
      { line: 4, keyword: 'RUN', flags: {}, args: 'echo one   && echo two' },
      { line: 8, keyword: 'COPY', flags: { from: 'base', chown: '1:2' }, args: '/a /b/' },
      {
        line: 9,
        keyword: 'CMD',
        flags: {},
        args: '["sh", "-c", "echo hi"]',
        json: ['sh', '-c', 'echo hi'],
      },
      { line: 10, keyword: 'ENTRYPOINT', flags: {}, args: '[not json' },
    ]);
  });

  it('honours the escape parser directive', () => {
    const text = '# escape=`\nFROM scratch\nCOPY a `\n  C:\\dir\\\n';
    const dockerfile = parseDockerfile(text);
    expect(dockerfile.escapeToken).toBe('`');
    expect(dockerfile.instructions[1]).toMatchObject({ line: 3, args: 'a   C:\\dir\\' });
  });

  it('stops reading directives at the first other line', () => {
    const dockerfile = parseDockerfile('FROM scratch\n# escape=`\nRUN a \\\n b\n');
    expect(dockerfile.escapeToken).toBe('\\');
    expect(dockerfile.instructions[1]?.args).toBe('a  b');
  });

  it('names the file and line of an unknown instruction', () => {
    expect(() => parseDockerfile('FROM busybox\n\nRUNN true\n')).toThrow(
      'Dockerfile:3: unknown instruction: RUNN',
    );
    expect(() => parseDockerfile('# escape=x\nFROM a\n', 'app.Dockerfile')).toThrow(
      /^app\.Dockerfile:1: invalid escape token 'x'/,
    );
    expect(() => parseDockerfile('# just a comment\n')).toThrow('no build stage');
    expect(() => parseDockerfile('FROM busybox\nRUN --mount=type=cache,target=/c true\n')).toThrow(
      'Dockerfile:2: unknown flag for RUN: --mount',
    );
  });
});

describe('word expansion', () => {
  it(`expands $VAR, \${VAR} and the :- and :+ forms`, () => {
    expect(expandWord(`hello $NAME \${NAME}!`, '\\', lookup)).toBe('hello world world!');
    expect(expandWord(`\${MISSING:-fallback \${NAME}}`, '\\', lookup)).toBe('fallback world');
    expect(
      expandWord(`\${EMPTY:-x}|\${EMPTY-x}|\${NAME:+set}|\${MISSING:+set}`, '\\', lookup),
    ).toBe('x||set|');
    expect(expandWord('$MISSING-$', '\\', lookup)).toBe('-$');
  });

  it('keeps single quotes literal and honours the escape character', () => {
    expect(expandWord(`'$NAME' "$NAME" \\$NAME`, '\\', lookup)).toBe('$NAME world $NAME');
    expect(expandWord('`$NAME', '`', lookup)).toBe('$NAME');
    expect(expandWord('"a \\b"', '\\', lookup)).toBe('a \\b');
  });

  it('splits words on unquoted blanks only, not inside expanded values', () => {
    expect(splitWords(`a "b c" $SPACED 'd e'`, '\\', lookup)).toEqual(['a', 'b c', 'a b', 'd e']);
  });

  it('reads key=value pairs and the legacy form', () => {
    expect(keyValuePairs('A=1 B="two words" C=$NAME', '\\', lookup)).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['C', 'world'],
    ]);
    expect(keyValuePairs('KEY some value $NAME', '\\', lookup)).toEqual([
      ['KEY', 'some value world'],
    ]);
    expect(keyValuePairs('ONLY', '\\', lookup, false)).toEqual([['ONLY', undefined]]);
  });
});

describe('config instructions', () => {
  const input = { escapeToken: '\\', lookup, cmdSet: false };
  const apply = (text: string, config = {}) =>
    applyConfigInstruction(
      parseDockerfile(`FROM scratch\n${text}`).instructions[1] as Instruction,
      config,
      input,
    );

  it('sets ENV, LABEL, EXPOSE, VOLUME, USER and WORKDIR', () => {
    expect(apply('ENV A=1 PATH=/x', { Env: ['PATH=/bin', 'B=2'] }).Env).toEqual([
      'PATH=/x',
      'B=2',
      'A=1',
    ]);
    expect(apply('LABEL "com.x"="a b" k=$NAME').Labels).toEqual({ 'com.x': 'a b', k: 'world' });
    expect(apply('EXPOSE 80 53/udp 8000-8001').ExposedPorts).toEqual({
      '80/tcp': {},
      '53/udp': {},
      '8000/tcp': {},
      '8001/tcp': {},
    });
    expect(apply('VOLUME ["/data", "/logs"]').Volumes).toEqual({ '/data': {}, '/logs': {} });
    expect(apply('USER $NAME:staff').User).toBe('world:staff');
    expect(apply('WORKDIR sub', { WorkingDir: '/app' }).WorkingDir).toBe('/app/sub');
  });

  it('writes CMD and ENTRYPOINT through SHELL, and ENTRYPOINT resets an inherited CMD', () => {
    expect(apply('CMD echo hi').Cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
    expect(apply('CMD echo hi', { Shell: ['/bin/bash', '-xc'] }).Cmd).toEqual([
      '/bin/bash',
      '-xc',
      'echo hi',
    ]);
    const entry = apply('ENTRYPOINT ["top", "-b"]', { Cmd: ['sh'] });
    expect(entry).toMatchObject({ Entrypoint: ['top', '-b'], Cmd: null });
    expect(() => apply('SHELL /bin/bash')).toThrow('JSON form');
  });

  it('reads HEALTHCHECK with its flags, and NONE', () => {
    expect(
      apply('HEALTHCHECK --interval=1m30s --retries=2 CMD wget -q localhost').Healthcheck,
    ).toEqual({
      Test: ['CMD-SHELL', 'wget -q localhost'],
      Interval: 90e9,
      Retries: 2,
    });
    expect(apply('HEALTHCHECK NONE').Healthcheck).toEqual({ Test: ['NONE'] });
    expect(parseDuration('500ms')).toBe(5e8);
    expect(() => parseDuration('5 minutes')).toThrow('invalid duration');
  });
});
