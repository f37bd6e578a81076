// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Compose templates, not JavaScript ones
import { describe, expect, it } from 'vitest';
import { parseDotEnv } from '../../src/compose/dotenv.js';
import { resolveEnvironment } from '../../src/compose/environment.js';
import { ComposeError } from '../../src/compose/errors.js';
import { useTrees } from './fixtures/front/tree.js';

const lookup = (name: string) => ({ HOME: '/home/me', EMPTY: '' })[name];

describe('parseDotEnv', () => {
  it.each([
    ['simple', 'A=1\nB=two\n', { A: '1', B: 'two' }],
    ['comments and blank lines', '# comment\n\n  # indented comment\nA=1\n', { A: '1' }],
    ['export prefix', 'export A=1\nexport  B=2\n', { A: '1', B: '2' }],
    ['a key named export', 'export=1\n', { export: '1' }],
    ['spaces around =', 'A = 1\n', { A: '1' }],
    ['yaml-style colon', 'A: 1\n', { A: '1' }],
    ['empty value', 'A=\nB=""\nC=\'\'\n', { A: '', B: '', C: '' }],
    ['trailing spaces trimmed on unquoted values', 'A=value   \n', { A: 'value' }],
    ['inline comment on an unquoted value', 'A=value # comment\n', { A: 'value' }],
    ['# without a space stays in the value', 'A=val#ue\nB=#x\n', { A: 'val#ue', B: '#x' }],
    ['single quotes are literal', "A='$HOME \\n ${X}'\n", { A: '$HOME \\n ${X}' }],
    ['escaped single quote', "A='it\\'s'\n", { A: "it's" }],
    ['double quote escapes', 'A="a\\nb\\tc\\\\d\\"e"\n', { A: 'a\nb\tc\\d"e' }],
    ['other escapes', 'A="\\a\\v\\0101\\d\\x"\n', { A: '\x07\vA\\d\\x' }],
    ['another assignment after a closing quote', 'A="x" B=2\n', { A: 'x', B: '2' }],
    ['comment after a quoted value', 'A="x y" # note\n', { A: 'x y' }],
    ['# inside quotes is kept', 'A="x # y"\n', { A: 'x # y' }],
    ['multi-line double quotes', 'A="line1\nline2"\nB=3\n', { A: 'line1\nline2', B: '3' }],
    ['multi-line single quotes', "A='l1\nl2'\n", { A: 'l1\nl2' }],
    ['CRLF line endings', 'A=1\r\nB="2"\r\n', { A: '1', B: '2' }],
    ['keys with dots and dashes', 'a.b-c=1\n', { 'a.b-c': '1' }],
    ['interpolation from lookup', 'A=${HOME}/x\nB="$HOME"\n', { A: '/home/me/x', B: '/home/me' }],
    ['interpolation from earlier lines', 'A=1\nB=${A}2\n', { A: '1', B: '12' }],
    ['lookup wins over earlier lines', 'HOME=/other\nB=$HOME\n', { HOME: '/other', B: '/home/me' }],
    ['defaults in values', 'A=${MISSING:-dflt}\nB=${EMPTY-kept}\n', { A: 'dflt', B: '' }],
    ['escaped dollar in double quotes', 'A="\\$HOME"\nB=$$HOME\n', { A: '$HOME', B: '$HOME' }],
    ['bare key inherits from lookup', 'HOME\nMISSING\n', { HOME: '/home/me' }],
    ['last definition wins', 'A=1\nA=2\n', { A: '2' }],
    ['value with equals signs', 'A=x=y=z\n', { A: 'x=y=z' }],
    ['no final newline', 'A=1', { A: '1' }],
  ])('%s', (_, text, expected) => {
    expect(parseDotEnv(text, '.env', lookup)).toEqual(expected);
  });

  it.each([
    ['unterminated double quote', 'A=1\nB="abc\n', 2, 'unterminated quoted value'],
    ['unterminated single quote', "A='abc", 1, 'unterminated quoted value'],
    ['bad character in a key', 'A=1\nB$C=2\n', 2, 'unexpected character "$"'],
    ['space inside a key', 'MY KEY=1\n', 1, 'unexpected space'],
    [
      'required variable',
      'A=${NOPE:?must be set}\n',
      1,
      'required variable NOPE is missing a value: must be set',
    ],
    ['invalid template', 'A=${}\n', 1, 'invalid interpolation format'],
  ])('error: %s', (_, text, line, message) => {
    let caught: unknown;
    try {
      parseDotEnv(text, '/p/.env', lookup);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ComposeError);
    expect((caught as ComposeError).message).toContain(message);
    expect((caught as ComposeError).position).toEqual({ file: '/p/.env', line, column: 1 });
  });
});

describe('resolveEnvironment', () => {
  const tree = useTrees();

  it('reads <projectDirectory>/.env by default, the process environment winning', () => {
    const dir = tree({ '.env': 'A=from-file\nB=from-file\nC=${B}-c\n' });
    expect(
      resolveEnvironment({
        projectDirectory: dir,
        envFiles: [],
        processEnv: { B: 'from-process', D: undefined },
      }),
    ).toEqual({ A: 'from-file', B: 'from-process', C: 'from-process-c' });
  });

  it('works without a .env file', () => {
    const dir = tree({ 'compose.yaml': '' });
    expect(
      resolveEnvironment({ projectDirectory: dir, envFiles: [], processEnv: { X: '1' } }),
    ).toEqual({
      X: '1',
    });
  });

  it('replaces the default with --env-file, later files winning', () => {
    const dir = tree({
      '.env': 'A=default\n',
      'one.env': 'A=one\nB=one\n',
      'two.env': 'B=two\nC=$A\n',
    });
    expect(
      resolveEnvironment({
        projectDirectory: dir,
        envFiles: [`${dir}/one.env`, `${dir}/two.env`],
        processEnv: {},
      }),
    ).toEqual({ A: 'one', B: 'two', C: 'one' });
  });

  it('refuses a missing --env-file', () => {
    const dir = tree({});
    expect(() =>
      resolveEnvironment({ projectDirectory: dir, envFiles: [`${dir}/nope.env`], processEnv: {} }),
    ).toThrow(/env file .*nope.env not found/);
  });

  it('ignores a .env directory', () => {
    const dir = tree({ '.env/inner': 'A=1\n' });
    expect(resolveEnvironment({ projectDirectory: dir, envFiles: [], processEnv: {} })).toEqual({});
  });
});
