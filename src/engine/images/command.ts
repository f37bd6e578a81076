import { spawn } from 'node:child_process';
import { EngineError } from '../../errors/engine-error.js';

/**
 * Runs a system tool for what Node cannot do itself (mount, mknod, setfattr),
 * failing with the tool's own message.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', (error) =>
      reject(new EngineError(500, `cannot run ${command}: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new EngineError(500, `${command} failed: ${stderr.trim() || `exit ${code}`}`));
    });
    if (child.stdin) {
      // A tool that exits early fails on its own; a broken pipe adds nothing.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** Quotes a word for `sh`: single quotes, with embedded ones spliced in. */
export const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
