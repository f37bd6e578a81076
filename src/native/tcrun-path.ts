import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let resolvedTcrun: string | undefined;

/**
 * Where tcrun, the runtime built from native/, is: this package's build, unless
 * TCOMPOSE_TCRUN names another binary, else tcrun on the PATH. The engine runs containers
 * with it and the network library makes namespaces with it. Found once per process: every
 * namespace made or deleted asks for it.
 */
export function tcrunPath(): string {
  resolvedTcrun ??= findTcrun();
  return resolvedTcrun;
}

function findTcrun(): string {
  const override = process.env.TCOMPOSE_TCRUN;
  if (override) return override;
  const built = fileURLToPath(new URL('../../native/build/tcrun', import.meta.url));
  return existsSync(built) ? built : 'tcrun';
}
