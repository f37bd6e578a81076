import { setFlagsFromString } from 'node:v8';
import { engineNodeFlags } from './autostart.js';
import { startDaemon } from './daemon.js';
import { EngineLockedError } from './lock.js';
import { rootFromEnv, socketFromEnv } from './paths.js';

/**
 * Runs the engine until SIGTERM or SIGINT, then closes the API (containers keep running).
 * Returns the process exit code: 1 when another engine already holds the data root.
 */
export async function runEngineForeground(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  for (const flag of engineNodeFlags) setFlagsFromString(flag);
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({ root: rootFromEnv(env), socket: socketFromEnv(env) });
  } catch (error) {
    if (error instanceof EngineLockedError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  // One failed request must not take down the engine and with it every client.
  process.on('uncaughtException', (error) =>
    daemon.engine.log.error({ err: error }, 'uncaught exception'),
  );
  process.on('unhandledRejection', (error) =>
    daemon.engine.log.error({ err: error }, 'unhandled rejection'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await daemon.close();
  return 0;
}
