import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { EngineError } from '../errors/engine-error.js';

/**
 * Link changes go through `ip -batch -`: one process applies every line of an operation, so
 * attaching a container costs one process on the host side and one inside its namespace,
 * however many networks it joins. The batch stops at the first failing line.
 */
export async function ipBatch(lines: string[], netns?: string): Promise<void> {
  if (lines.length === 0) return;
  const [command, args] = netns
    ? ['nsenter', [`--net=${netns}`, 'ip', '-batch', '-']]
    : ['ip', ['-batch', '-']];
  await runWithInput(command, args, `${lines.join('\n')}\n`);
}

/** What running a program gave: its exit status (127 when it could not run) and output. */
export interface ProgramResult {
  status: number;
  stdout: string;
  stderr: string;
}

export type ProgramRunner = (
  program: string,
  args: string[],
  input: string,
) => Promise<ProgramResult>;

let runner: ProgramRunner = spawnProgram;

/**
 * How this library runs its programs (ip, unshare, umount, iptables, nft). By default it
 * spawns them itself; the engine hands in its spawner (runProgram of
 * src/engine/containers/runtime.ts), so no program costs a fork of the engine.
 */
export function useProgramRunner(run: ProgramRunner): void {
  runner = run;
}

/** Runs a command feeding it `input`; a non-zero exit becomes an EngineError with its stderr. */
export async function runWithInput(command: string, args: string[], input = ''): Promise<string> {
  const result = await runner(command, args, input).catch((error: Error) => {
    throw new EngineError(500, `${command}: ${error.message}`);
  });
  if (result.status === 0) return result.stdout;
  const detail = result.stderr.trim() || `exit code ${result.status}`;
  throw new EngineError(500, `${command} ${args.join(' ')} failed: ${detail}`);
}

function spawnProgram(command: string, args: string[], input: string): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ status: code ?? 128 + (signal ? osConstants.signals[signal] : 0), stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
