import { badParameter } from '../../errors/engine-error.js';
import { BuildError } from '../build/build-error.js';
import { applyConfigInstruction, envLookup } from '../build/build-steps.js';
import { parseInstruction } from '../build/dockerfile-parse.js';
import type { OciContainerConfig } from './oci-types.js';

/**
 * `docker import --change` instructions: Dockerfile instructions that change only the
 * config, read and applied by the builder's own parser and config steps (as Docker
 * does), with the image's ENV for variables.
 */
const SUPPORTED = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'HEALTHCHECK',
  'LABEL',
  'ONBUILD',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

const invalidChange = (change: string, why: string) =>
  badParameter(`invalid change "${change}": ${why}`);

interface Applied {
  config: OciContainerConfig;
  /** Whether a CMD came before: ENTRYPOINT resets CMD otherwise, as in a Dockerfile. */
  cmdSet: boolean;
}

function applyChange({ config, cmdSet }: Applied, change: string): Applied {
  const [word = '', ...rest] = change.trim().split(/\s+/);
  const keyword = word.toUpperCase();
  if (!SUPPORTED.includes(keyword)) {
    throw invalidChange(
      change,
      `unsupported instruction ${word || '(none)'} (use one of ${SUPPORTED.join(', ')})`,
    );
  }
  if (rest.length === 0) throw invalidChange(change, `${keyword} needs an argument`);
  try {
    const instruction = parseInstruction(change, 1, '--change');
    const lookup = envLookup(config.Env, () => undefined);
    return {
      config: applyConfigInstruction(instruction, config, { escapeToken: '\\', lookup, cmdSet }),
      cmdSet: cmdSet || keyword === 'CMD',
    };
  } catch (error) {
    const why = error instanceof BuildError ? error.reason : (error as Error).message;
    throw invalidChange(change, why);
  }
}

/** Applies `--change` instructions in order; throws a 400 naming the bad one. */
export const applyChanges = (config: OciContainerConfig, changes: readonly string[]) =>
  changes.reduce(applyChange, { config, cmdSet: false }).config;
