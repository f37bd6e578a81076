import { spawn } from 'node:child_process';
import { EngineError } from '../engine/errors.js';

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

/** Runs a command feeding it `input`; a non-zero exit becomes an EngineError with its stderr. */
export function runWithInput(command: string, args: string[], input = ''): Promise<string> {
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
    child.on('error', (error) => reject(new EngineError(500, `${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else {
        const detail = stderr.trim() || `exit code ${code}`;
        reject(new EngineError(500, `${command} ${args.join(' ')} failed: ${detail}`));
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
