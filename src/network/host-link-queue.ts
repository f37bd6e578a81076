import { EngineError } from '../errors/engine-error.js';
import { BatchQueue } from './batch-queue.js';
import { runWithInput } from './ip-batch.js';

interface LinkRequest {
  lines: string[];
  ignoreMissing: boolean;
}

/**
 * Host-side link changes of concurrent operations share `ip` processes: what is submitted
 * while a batch runs goes into the next one, so 50 containers starting together cost a few
 * host `ip` processes, not 50. Each batch runs with `-force` (one failing line does not stop
 * the others) and ip's "Command failed -:N" markers send each error back to the request
 * that owns line N.
 */
export class HostLinkQueue {
  private readonly queue = new BatchQueue<LinkRequest>(applyLinks);

  /** Applies `lines` on the host; with ignoreMissing, a device already gone is not an error. */
  submit(lines: string[], options: { ignoreMissing?: boolean } = {}): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return this.queue.submit({ lines, ignoreMissing: options.ignoreMissing ?? false });
  }
}

async function applyLinks(batch: LinkRequest[]): Promise<(Error | undefined)[]> {
  const owners = batch.flatMap((request, index) => request.lines.map(() => index));
  const input = `${batch.flatMap((request) => request.lines).join('\n')}\n`;
  let failures = new Map<number, string>();
  try {
    await runWithInput('ip', ['-force', '-batch', '-'], input);
  } catch (error) {
    failures = failedLines((error as Error).message);
    if (failures.size === 0) failures.set(1, (error as Error).message);
  }
  const messages = batch.map(() => [] as string[]);
  for (const [line, message] of failures) {
    const owner = owners[line - 1] ?? 0;
    if (batch[owner].ignoreMissing && /Cannot find device/.test(message)) continue;
    messages[owner].push(message);
  }
  return messages.map((found) =>
    found.length > 0 ? new EngineError(500, `ip: ${found.join('; ')}`) : undefined,
  );
}

/** Line number → error text, from ip's stderr in -batch mode. */
export function failedLines(stderr: string): Map<number, string> {
  const failures = new Map<number, string>();
  let message: string[] = [];
  for (const line of stderr.split('\n')) {
    const marker = /Command failed -:(\d+)/.exec(line);
    if (marker) {
      failures.set(Number(marker[1]), message.join(' ').trim() || 'failed');
      message = [];
    } else if (line.trim()) {
      message.push(line.replace(/^.*failed: /, '').trim());
    }
  }
  return failures;
}

/** The engine's one queue for host-side link changes. */
export const hostLinks = new HostLinkQueue();
