import type { Command } from 'commander';
import { globalOptionsOf } from '../global-options.js';

interface BuildFlags {
  cache: boolean;
  buildArg: string[];
  pull?: boolean;
  quiet?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** --build-arg KEY=VALUE, or KEY alone for the value in the environment (skipped when unset). */
export function parseBuildArgs(
  entries: string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const args: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at === 0) throw new Error(`invalid --build-arg "${entry}": expected KEY=VALUE`);
    if (at > 0) args[entry.slice(0, at)] = entry.slice(at + 1);
    else if (env[entry] !== undefined) args[entry] = env[entry] as string;
  }
  return args;
}

/** Prints a build's output to stderr, with a header line when a service's build starts. */
export function buildOutputPrinter(command: Command): (service: string, text: string) => void {
  if (globalOptionsOf(command).progress === 'quiet') return () => undefined;
  let current: string | undefined;
  return (service, text) => {
    if (service !== current) process.stderr.write(`Building ${service}\n`);
    current = service;
    process.stderr.write(text);
  };
}

async function build(services: string[], flags: BuildFlags, command: Command): Promise<void> {
  const [{ buildImages }, { connectProjectEngine }, { projectFromOptions }] = await Promise.all([
    import('../../scheduler/build-images.js'),
    import('../project-engine-connection.js'),
    import('../project-from-options.js'),
  ]);
  const project = projectFromOptions(command, { services });
  const buildArgs = parseBuildArgs(flags.buildArg);
  const engine = await connectProjectEngine(command);
  const built = await buildImages(engine, project, {
    services,
    policy: 'always',
    noCache: !flags.cache,
    buildArgs,
    output: flags.quiet ? undefined : buildOutputPrinter(command),
  });
  if (flags.quiet) return;
  for (const image of built) process.stderr.write(`Service ${image.service}: built ${image.id}\n`);
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build the images of the services that have a build section')
    .argument('[services...]', 'only these services')
    .option('--no-cache', 'do not use the build cache')
    .option('--build-arg <key=value>', 'set a build argument (repeatable)', collect, [])
    .option('--pull', 'ignored: builds are offline, FROM uses local images')
    .option('-q, --quiet', 'print nothing but errors')
    .action(build);
}
