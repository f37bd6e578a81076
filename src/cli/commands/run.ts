import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { noSourcePositions } from '../../compose/located-error.js';
import type { ServiceConfig } from '../../compose/model.js';
import { normalizePorts } from '../../compose/normalize-ports.js';
import { normalizeServiceVolumes } from '../../compose/normalize-volumes.js';
import { selectServices } from '../../compose/select-services.js';
import { shellSplit } from '../../compose/shell-split.js';
import { serviceConfigHash } from '../../scheduler/config-hash.js';
import { containerCreateBody } from '../../scheduler/container-request.js';
import { reportStep } from '../../scheduler/progress.js';
import { dryRunOption } from '../dry-run.js';

interface RunFlags {
  rm?: boolean;
  detach?: boolean;
  env: string[];
  name?: string;
  entrypoint?: string;
  deps: boolean;
  volume: string[];
  publish: string[];
  servicePorts?: boolean;
  tty: boolean;
  workdir?: string;
  user?: string;
  label: string[];
  dryRun?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** KEY=VALUE pairs, and a bare KEY taken from this process's environment, as Compose does. */
function environmentOverrides(entries: string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const key = at < 0 ? entry : entry.slice(0, at);
    const value = at < 0 ? process.env[entry] : entry.slice(at + 1);
    if (value !== undefined) overrides[key] = value;
  }
  return overrides;
}

/** The service as this one-off run changes it: command, entrypoint, env, ports, volumes. */
function oneOffService(service: ServiceConfig, args: string[], flags: RunFlags): ServiceConfig {
  const labels = Object.fromEntries(
    flags.label.map((label) => label.split('=', 2) as [string, string]),
  );
  return {
    ...service,
    command: args.length > 0 ? args : service.command,
    entrypoint: flags.entrypoint === undefined ? service.entrypoint : shellSplit(flags.entrypoint),
    environment: { ...service.environment, ...environmentOverrides(flags.env) },
    working_dir: flags.workdir ?? service.working_dir,
    user: flags.user ?? service.user,
    labels: { ...service.labels, ...labels },
    container_name: undefined,
    restart: undefined,
    ports: [
      ...(flags.servicePorts ? (service.ports ?? []) : []),
      ...normalizePorts(flags.publish, ['run', 'publish'], noSourcePositions),
    ],
    volumes: [
      ...(service.volumes ?? []),
      ...normalizeServiceVolumes(flags.volume, ['run', 'volume'], {
        workingDir: process.cwd(),
        home: homedir(),
        lookup: noSourcePositions,
      }),
    ],
  };
}

async function run(
  serviceName: string,
  args: string[],
  flags: RunFlags,
  command: Command,
): Promise<void> {
  const [{ upProject }, { openProjectCommand }, { joinStdio }] = await Promise.all([
    import('../../scheduler/up.js'),
    import('../project-command.js'),
    import('../stdio-session.js'),
  ]);
  const { project, engine, dryRun, report, printer } = await openProjectCommand(command, {
    services: [serviceName],
    dryRun: flags.dryRun,
  });
  const service = selectServices(project, [serviceName]).services[serviceName];
  const dependencies = Object.keys(selectServices(project, [serviceName]).services).filter(
    (name) => name !== serviceName,
  );
  try {
    if (flags.deps && dependencies.length > 0) {
      await upProject(engine, project, { services: dependencies }, report);
    }
  } finally {
    await printer.close();
  }
  const config = oneOffService(service, args, flags);
  const tty = flags.tty && process.stdin.isTTY === true;
  const interactive = !flags.detach;
  const name = flags.name ?? `${project.name}-${serviceName}-run-${randomBytes(6).toString('hex')}`;
  const body = {
    ...containerCreateBody({
      project,
      service: config,
      number: 1,
      configHash: serviceConfigHash(config),
      oneoff: true,
      containerOf: (other) => `${project.name}-${other}-1`,
    }),
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive,
    AttachStdin: interactive,
    AttachStdout: interactive,
    AttachStderr: interactive,
  };
  if (dryRun) {
    // The one-off container is planned like the rest: reported, never created.
    const subject = { kind: 'Container' as const, name };
    await reportStep(report, subject, ['Creating', 'Created'], async () => {});
    await reportStep(report, subject, ['Starting', 'Started'], async () => {});
    return;
  }
  const id = await engine.createContainer(name, body);
  if (flags.detach) {
    await engine.start(id);
    process.stdout.write(`${name}\n`);
    return;
  }
  const socket = await engine.client.hijack('POST', `/containers/${id}/attach`, {
    query: { stream: 1, stdin: 1, stdout: 1, stderr: 1 },
  });
  await engine.start(id);
  await joinStdio(socket, { tty, stdin: true });
  process.exitCode = await engine.waitExit(id);
  if (flags.rm) await engine.remove(id, { force: true, volumes: true });
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a one-off command in a new container of a service')
    .argument('<service>', 'the service')
    .argument('[command...]', "the command and its arguments (default: the service's)")
    .option('--rm', 'remove the container when it exits')
    .option('-d, --detach', 'run in the background and print the container name')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect, [])
    .option('-l, --label <KEY=VALUE>', 'add a label (repeatable)', collect, [])
    .option('--name <name>', 'name the container')
    .option('--entrypoint <command>', 'override the entrypoint')
    .option('--no-deps', 'do not start the services it depends on')
    .option('-v, --volume <volume>', 'bind mount a volume (repeatable)', collect, [])
    .option('-p, --publish <port>', 'publish a port (repeatable)', collect, [])
    .option('-P, --service-ports', "publish the service's ports")
    .option('-T, --no-tty', 'do not allocate a TTY (default: a TTY when stdin is one)')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'run as this user')
    .addOption(dryRunOption())
    .passThroughOptions()
    .action(run);
}
