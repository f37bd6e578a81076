import { BuildError } from './build-error.js';

/**
 * Parses Dockerfile text into instructions, as the Dockerfile reference describes:
 * parser directives at the top (`# escape=`), comments, line continuations with the
 * escape character, flags (`--from=x`), and the JSON (exec) form. Variables are not
 * expanded here: that needs the build's state (see word-expand.ts).
 */
export interface Instruction {
  /** Line the instruction starts on, 1-based. */
  line: number;
  /** Upper case: `RUN`, `COPY`. */
  keyword: string;
  /** Leading `--name=value` flags (instructions that take them). */
  flags: Record<string, string>;
  /** The arguments after the flags, continuations joined. */
  args: string;
  /** The arguments as a JSON array of strings (exec form), when written so. */
  json?: string[];
}

export interface Dockerfile {
  escapeToken: string;
  instructions: Instruction[];
}

export const KNOWN_INSTRUCTIONS = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

/** The flags each instruction takes (RUN's --mount, --network and --security need BuildKit). */
const FLAGS: Record<string, string[]> = {
  ADD: ['chown', 'chmod', 'checksum', 'keep-git-dir', 'link'],
  COPY: ['from', 'chown', 'chmod', 'link'],
  FROM: ['platform'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
  RUN: [],
};
const TAKES_JSON = new Set(['ADD', 'CMD', 'COPY', 'ENTRYPOINT', 'RUN', 'SHELL', 'VOLUME']);
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$/;
const FLAG = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?(?:\s+|$)/;

/** Reads `# escape=` (and ignores `# syntax=`, `# check=`) from the top of the file. */
function readDirectives(lines: string[], file: string): { escapeToken: string; first: number } {
  let escapeToken = '\\';
  const seen = new Set<string>();
  let index = 0;
  for (; index < lines.length; index++) {
    const match = DIRECTIVE.exec(lines[index] ?? '');
    if (!match) break;
    const name = (match[1] as string).toLowerCase();
    if (seen.has(name))
      throw new BuildError(`only one ${name} parser directive can be used`, file, index + 1);
    seen.add(name);
    if (name === 'escape') {
      const value = match[2] as string;
      if (value !== '\\' && value !== '`')
        throw new BuildError(
          `invalid escape token '${value}' does not match [\\\\\`]`,
          file,
          index + 1,
        );
      escapeToken = value;
    }
  }
  return { escapeToken, first: index };
}

/** The JSON array of strings the text is, or undefined when it is not one. */
export function parseJsonForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  } catch {
    // Not JSON: the shell form, as Docker reads it.
  }
  return undefined;
}

function splitFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text;
  for (let match = FLAG.exec(rest); match; match = FLAG.exec(rest)) {
    flags[match[1] as string] = match[2] ?? 'true';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** One instruction from its logical line (continuations already joined). */
export function parseInstruction(text: string, line: number, file: string): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  const word = match?.[1] ?? '';
  const keyword = word.toUpperCase();
  if (!KNOWN_INSTRUCTIONS.includes(keyword))
    throw new BuildError(`unknown instruction: ${word}`, file, line);
  let args = (match?.[2] ?? '').trim();
  let flags: Record<string, string> = {};
  const known = FLAGS[keyword];
  if (known) {
    ({ flags, rest: args } = splitFlags(args));
    const unknown = Object.keys(flags).find((flag) => !known.includes(flag));
    if (unknown !== undefined)
      throw new BuildError(`unknown flag for ${keyword}: --${unknown}`, file, line);
  }
  const instruction: Instruction = { line, keyword, flags, args };
  const json = TAKES_JSON.has(keyword) ? parseJsonForm(args) : undefined;
  if (json) instruction.json = json;
  return instruction;
}

const isComment = (line: string) => line.trimStart().startsWith('#');

/** A line ending with the escape character (trailing blanks aside) continues on the next. */
function continued(line: string, escapeToken: string): string | undefined {
  const trimmed = line.replace(/\s+$/, '');
  return trimmed.endsWith(escapeToken) ? trimmed.slice(0, -1) : undefined;
}

export function parseDockerfile(text: string, file = 'Dockerfile'): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escapeToken, first } = readDirectives(lines, file);
  const instructions: Instruction[] = [];
  let pending: { start: number; text: string } | undefined;
  for (let index = first; index < lines.length; index++) {
    const line = lines[index] as string;
    if (isComment(line) || (pending && line.trim() === '')) continue;
    if (!pending && line.trim() === '') continue;
    const head = continued(line, escapeToken);
    const start = pending?.start ?? index + 1;
    const joined = (pending?.text ?? '') + (head ?? line);
    if (head !== undefined) {
      pending = { start, text: joined };
      continue;
    }
    pending = undefined;
    instructions.push(parseInstruction(joined, start, file));
  }
  if (pending && pending.text.trim() !== '')
    instructions.push(parseInstruction(pending.text, pending.start, file));
  if (!instructions.some((instruction) => instruction.keyword === 'FROM'))
    throw new BuildError('no build stage in current context', file);
  return { escapeToken, instructions };
}
