import { posix } from 'node:path';
import { badParameter } from '../errors.js';
import type { OciContainerConfig } from './oci-types.js';

/**
 * `docker import --change` instructions, in Dockerfile syntax, applied to an
 * image's container config: CMD, ENTRYPOINT (JSON exec form or shell form), ENV
 * and LABEL (`k=v` pairs with quotes, or the legacy `k value`), WORKDIR, USER,
 * EXPOSE, VOLUME, STOPSIGNAL.
 */
const SUPPORTED = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'LABEL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

const invalidChange = (change: string, why: string) =>
  badParameter(`invalid change "${change}": ${why}`);

/** Splits Dockerfile words: whitespace separates, quotes group, backslash escapes (not in single quotes). */
export function splitWords(text: string, change = text): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (char === '\\' && i + 1 < text.length) {
      word += text.charAt(++i);
      inWord = true;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw invalidChange(change, `unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

/** The JSON exec form `["a", "b"]`, or undefined when the text is not one. */
function jsonForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
  } catch {
    // Not JSON: Docker then reads the text as the shell form.
  }
  return undefined;
}

const commandForm = (text: string) => jsonForm(text) ?? ['/bin/sh', '-c', text];

/** `k=v k2="v 2"` pairs, or the legacy single pair `k value with spaces`. */
function keyValuePairs(text: string, change: string): [string, string][] {
  const words = splitWords(text, change);
  if (words.length === 0) throw invalidChange(change, 'needs at least one key=value');
  if (!words[0]?.includes('=')) {
    const legacy = /^(\S+)\s+([\s\S]*)$/.exec(text);
    if (!legacy?.[1] || legacy[2] === undefined) throw invalidChange(change, 'needs a value');
    return [[legacy[1], splitWords(legacy[2], change).join(' ')]];
  }
  return words.map((word) => {
    const equals = word.indexOf('=');
    if (equals <= 0) throw invalidChange(change, `"${word}" is not key=value`);
    return [word.slice(0, equals), word.slice(equals + 1)];
  });
}

function exposedPort(word: string, change: string): string {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  if (!match?.[1]) throw invalidChange(change, `invalid port "${word}"`);
  const protocol = (match[3] ?? 'tcp').toLowerCase();
  return `${match[1]}${match[2] ? `-${match[2]}` : ''}/${protocol}`;
}

function applyChange(config: OciContainerConfig, change: string): OciContainerConfig {
  const match = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(change);
  if (!match?.[1]) throw invalidChange(change, 'empty instruction');
  const instruction = match[1].toUpperCase();
  const rest = match[2] ?? '';
  if (!SUPPORTED.includes(instruction)) {
    throw invalidChange(
      change,
      `unsupported instruction ${instruction} (use one of ${SUPPORTED.join(', ')})`,
    );
  }
  if (rest === '') throw invalidChange(change, `${instruction} needs an argument`);
  switch (instruction) {
    case 'CMD':
      return { ...config, Cmd: commandForm(rest) };
    case 'ENTRYPOINT':
      return { ...config, Entrypoint: commandForm(rest) };
    case 'ENV': {
      const env = [...(config.Env ?? [])];
      for (const [key, value] of keyValuePairs(rest, change)) {
        const at = env.findIndex((entry) => entry.split('=')[0] === key);
        if (at === -1) env.push(`${key}=${value}`);
        else env[at] = `${key}=${value}`;
      }
      return { ...config, Env: env };
    }
    case 'LABEL':
      return {
        ...config,
        Labels: { ...config.Labels, ...Object.fromEntries(keyValuePairs(rest, change)) },
      };
    case 'EXPOSE': {
      const ports = splitWords(rest, change).map((word) => exposedPort(word, change));
      return {
        ...config,
        ExposedPorts: { ...config.ExposedPorts, ...Object.fromEntries(ports.map((p) => [p, {}])) },
      };
    }
    case 'VOLUME': {
      const paths = jsonForm(rest) ?? splitWords(rest, change);
      return {
        ...config,
        Volumes: { ...config.Volumes, ...Object.fromEntries(paths.map((p) => [p, {}])) },
      };
    }
    case 'WORKDIR': {
      const [path = ''] = splitWords(rest, change);
      return { ...config, WorkingDir: posix.resolve(config.WorkingDir || '/', path) };
    }
    case 'USER':
      return { ...config, User: splitWords(rest, change).join(' ') };
    default:
      return { ...config, StopSignal: splitWords(rest, change).join(' ') };
  }
}

/** Applies `--change` instructions in order; throws a 400 naming the bad one. */
export const applyChanges = (config: OciContainerConfig, changes: readonly string[]) =>
  changes.reduce(applyChange, config);
