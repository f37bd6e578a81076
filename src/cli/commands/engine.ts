import type { Command } from 'commander';
import { ensureEngine } from '../../engine/autostart.js';
import { EngineClient } from '../../engine/client.js';
import { lockHolder } from '../../engine/lock.js';
import { enginePaths, rootFromEnv, socketFromEnv } from '../../engine/paths.js';

const paths = () => enginePaths(rootFromEnv(), socketFromEnv());

async function stopEngine(): Promise<void> {
  const { lockFile, root } = paths();
  const pid = await lockHolder(lockFile);
  if (pid === undefined) {
    process.stdout.write(`no engine is running on ${root}\n`);
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if ((await lockHolder(lockFile)) === undefined) {
      process.stdout.write(`engine (pid ${pid}) stopped\n`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`engine (pid ${pid}) did not stop within 15 s`);
}

async function showStatus(): Promise<void> {
  const { lockFile, root, socket } = paths();
  const pid = await lockHolder(lockFile);
  const answering = await new EngineClient({ socketPath: socket }).ping();
  if (pid !== undefined && answering) {
    process.stdout.write(`engine running (pid ${pid}), socket ${socket}, data root ${root}\n`);
  } else {
    process.stdout.write(`engine not running (socket ${socket}, data root ${root})\n`);
    process.exitCode = 1;
  }
}

export function registerEngine(program: Command): void {
  const engine = program
    .command('engine')
    .description(
      'run the container engine in the foreground (start|stop|status manage it in the background)',
    )
    .action(async () => {
      // The daemon (fastify, pino, the whole engine) loads only here, not on every CLI start.
      const { runEngineForeground } = await import('../../engine/foreground.js');
      process.exitCode = await runEngineForeground();
    });
  engine
    .command('start')
    .description('start the engine in the background unless it is already running')
    .action(async () => {
      await ensureEngine({ host: undefined, env: { ...process.env, DOCKER_HOST: '' } });
      await showStatus();
    });
  engine
    .command('stop')
    .description('stop the background engine (containers keep running)')
    .action(stopEngine);
  engine.command('status').description('tell whether the engine is running').action(showStatus);
}
