import { posix } from 'node:path';
import type { OciContainerConfig } from '../images/oci-types.js';
import { type Instruction, parseJsonForm } from './dockerfile-parse.js';
import { expandWord, keyValuePairs, type Lookup, splitWords } from './word-expand.js';

/**
 * The instructions that change only the image config (ENV, LABEL, CMD, USER, ...), as
 * pure functions from the config before to the config after. The builder runs the
 * ones that change files (FROM, RUN, COPY, ADD, WORKDIR's directory) itself.
 */
export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export interface StepInput {
  escapeToken: string;
  /** The stage's variables: ENV first, then ARG. */
  lookup: Lookup;
  /** Whether this stage set CMD already (ENTRYPOINT resets an inherited CMD). */
  cmdSet: boolean;
}

const envKey = (entry: string) => entry.slice(0, entry.indexOf('=') >>> 0);

/** Sets `key=value` in an Env list, replacing an earlier value. */
export function setEnv(env: string[] = [], key: string, value: string): string[] {
  const entry = `${key}=${value}`;
  const at = env.findIndex((existing) => envKey(existing) === key);
  return at === -1 ? [...env, entry] : env.map((existing, i) => (i === at ? entry : existing));
}

/** ENV's variables, for expanding the words of later instructions. */
export function envLookup(env: string[] = [], fallback: Lookup): Lookup {
  return (name) => {
    const entry = env.findLast((candidate) => envKey(candidate) === name);
    return entry === undefined ? fallback(name) : entry.slice(name.length + 1);
  };
}

/** The argv of RUN, CMD and ENTRYPOINT: the exec form as written, the shell form through SHELL. */
export function commandOf(instruction: Instruction, shell: string[] | undefined): string[] {
  return instruction.json ?? [...(shell ?? DEFAULT_SHELL), instruction.args];
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 6e10,
  h: 3.6e12,
};

/** Go durations (`30s`, `1m30s`, `500ms`) in nanoseconds, as HEALTHCHECK's flags take them. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text)
    throw new Error(`invalid duration "${text}"`);
  return parts.reduce(
    (sum, part) => sum + Number(part[1]) * (DURATION_UNITS[part[2] as string] as number),
    0,
  );
}

function healthcheck(instruction: Instruction) {
  const { flags, args } = instruction;
  if (args.toUpperCase() === 'NONE') return { Test: ['NONE'] };
  const match = /^CMD\s+([\s\S]*)$/i.exec(args);
  if (!match) throw new Error('HEALTHCHECK needs CMD or NONE');
  const command = match[1] as string;
  const json = parseJsonForm(command);
  const test = json ? ['CMD', ...json] : ['CMD-SHELL', command];
  const check: NonNullable<OciContainerConfig['Healthcheck']> & { StartInterval?: number } = {
    Test: test,
  };
  for (const [flag, field] of [
    ['interval', 'Interval'],
    ['timeout', 'Timeout'],
    ['start-period', 'StartPeriod'],
    ['start-interval', 'StartInterval'],
  ] as const) {
    if (flags[flag] !== undefined) check[field] = parseDuration(flags[flag]);
  }
  if (flags.retries !== undefined) check.Retries = Number(flags.retries);
  return check;
}

/** `80`, `80/udp`, `8000-8002` → `80/tcp` keys. */
function exposedPorts(words: string[]): string[] {
  return words.flatMap((word) => {
    const [range = '', protocol = 'tcp'] = word.split('/');
    const [first, last = first] = range.split('-').map(Number);
    if (first === undefined || !Number.isInteger(first) || !Number.isInteger(last))
      throw new Error(`invalid port "${word}"`);
    return Array.from(
      { length: (last as number) - first + 1 },
      (_, i) => `${first + i}/${protocol.toLowerCase()}`,
    );
  });
}

/** The key=value pairs of ENV and LABEL, refusing a blank name. */
function namedPairs(instruction: Instruction, input: StepInput) {
  const pairs = keyValuePairs(instruction.args, input.escapeToken, input.lookup);
  if (pairs.some(([key]) => key === ''))
    throw new Error(`${instruction.keyword} names can not be blank`);
  return pairs;
}

/** ONBUILD's trigger, as stored in the image; refused for the instructions Docker refuses. */
export function onBuildTrigger(text: string): string {
  const keyword = (/^\S*/.exec(text.trim())?.[0] ?? '').toUpperCase();
  if (keyword === '') throw new Error('ONBUILD needs an instruction');
  if (keyword === 'ONBUILD')
    throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (keyword === 'FROM' || keyword === 'MAINTAINER')
    throw new Error(`${keyword} isn't allowed as an ONBUILD trigger`);
  return text.trim();
}

/** WORKDIR's directory: relative paths go on from the current one. */
export const workingDirectory = (current: string | undefined, path: string) =>
  posix.resolve(current || '/', path);

/** Applies one config-only instruction; returns the new container config. */
export function applyConfigInstruction(
  instruction: Instruction,
  config: OciContainerConfig,
  input: StepInput,
): OciContainerConfig {
  const { escapeToken, lookup } = input;
  const next: OciContainerConfig = structuredClone(config);
  const shell = config.Shell as string[] | undefined;
  switch (instruction.keyword) {
    case 'ENV':
      for (const [key, value] of namedPairs(instruction, input)) {
        if (value === undefined) throw new Error(`ENV ${key} needs a value`);
        next.Env = setEnv(next.Env, key, value);
      }
      return next;
    case 'LABEL':
      next.Labels = { ...next.Labels };
      for (const [key, value] of namedPairs(instruction, input)) next.Labels[key] = value ?? '';
      return next;
    case 'EXPOSE':
      next.ExposedPorts = { ...next.ExposedPorts };
      for (const port of exposedPorts(splitWords(instruction.args, escapeToken, lookup)))
        next.ExposedPorts[port] = {};
      return next;
    case 'VOLUME':
      next.Volumes = { ...next.Volumes };
      for (const path of instruction.json ?? splitWords(instruction.args, escapeToken, lookup)) {
        if (path === '') throw new Error('VOLUME specified can not be an empty string');
        next.Volumes[path] = {};
      }
      return next;
    case 'USER':
      next.User = expandWord(instruction.args, escapeToken, lookup);
      return next;
    case 'WORKDIR':
      next.WorkingDir = workingDirectory(
        config.WorkingDir,
        expandWord(instruction.args, escapeToken, lookup),
      );
      return next;
    case 'STOPSIGNAL':
      next.StopSignal = expandWord(instruction.args, escapeToken, lookup);
      return next;
    case 'CMD':
      next.Cmd = commandOf(instruction, shell);
      return next;
    case 'ENTRYPOINT':
      next.Entrypoint = commandOf(instruction, shell);
      if (!input.cmdSet) next.Cmd = null;
      return next;
    case 'SHELL':
      if (!instruction.json || instruction.json.length === 0)
        throw new Error('SHELL requires the arguments to be in JSON form');
      next.Shell = instruction.json;
      return next;
    case 'HEALTHCHECK':
      next.Healthcheck = healthcheck(instruction);
      return next;
    case 'ONBUILD':
      next.OnBuild = [...(next.OnBuild ?? []), onBuildTrigger(instruction.args)];
      return next;
    default:
      throw new Error(`${instruction.keyword} does not change the config alone`);
  }
}
