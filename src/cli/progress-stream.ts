import type { IncomingMessage } from 'node:http';

interface ProgressMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads a Docker JSON progress stream (load, import): prints each `stream` and
 * `status` message and fails with the engine's message on an `error` one.
 */
export async function followProgress(
  response: IncomingMessage,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  let buffered = '';
  let failure: string | undefined;
  const handle = (line: string) => {
    if (!line.trim()) return;
    const message = JSON.parse(line) as ProgressMessage;
    if (message.error) failure ??= message.errorDetail?.message ?? message.error;
    else if (message.stream) write(message.stream);
    else if (message.status) write(`${message.status}\n`);
  };
  for await (const chunk of response) {
    const lines = (buffered + String(chunk)).split('\n');
    buffered = lines.pop() ?? '';
    lines.forEach(handle);
  }
  handle(buffered);
  if (failure) throw new Error(failure);
}
