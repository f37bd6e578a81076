import type { Command } from 'commander';
import { ComposeLabel } from '../../scheduler/compose-labels.js';
import { selectContainers } from '../service-containers.js';

interface ExecFlags {
  detach?: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  index: string;
  privileged?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('run a command in a running container of a service')
    .argument('<service>', 'the service')
    .argument('<command...>', 'the command and its arguments')
    .option('-d, --detach', 'run the command in the background')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect, [])
    .option('-w, --workdir <dir>', 'working directory of the command')
    .option('-u, --user <user>', 'run as this user')
    .option('-T, --no-tty', 'do not allocate a TTY (default: a TTY when stdin is one)')
    .option('--index <number>', 'which replica', '1')
    .option('--privileged', 'extended privileges (not supported)')
    .passThroughOptions()
    .action(async (service: string, args: string[], flags: ExecFlags, command: Command) => {
      if (flags.privileged) throw new Error('--privileged is not supported by this engine');
      const [{ connectProjectEngine }, { projectFromOptions }, { joinStdio }] = await Promise.all([
        import('../project-engine-connection.js'),
        import('../project-from-options.js'),
        import('../stdio-session.js'),
      ]);
      const project = projectFromOptions(command, { services: [service] });
      const engine = await connectProjectEngine(command);
      const container = (await selectContainers(engine, project, { services: [service] })).find(
        (candidate) => candidate.Labels[ComposeLabel.containerNumber] === flags.index,
      );
      if (!container)
        throw new Error(`service "${service}" is not running container #${flags.index}`);
      const tty = flags.tty && process.stdin.isTTY === true;
      const interactive = !flags.detach;
      const exec = await engine.client.request<{ Id: string }>(
        'POST',
        `/containers/${container.Id}/exec`,
        {
          body: {
            AttachStdin: interactive,
            AttachStdout: interactive,
            AttachStderr: interactive,
            Tty: tty,
            Env: flags.env,
            WorkingDir: flags.workdir,
            User: flags.user,
            Cmd: args,
          },
        },
      );
      if (flags.detach) {
        await engine.client.request('POST', `/exec/${exec.Id}/start`, {
          body: { Detach: true, Tty: false },
        });
        return;
      }
      const socket = await engine.client.hijack('POST', `/exec/${exec.Id}/start`, {
        body: { Detach: false, Tty: tty },
      });
      await joinStdio(socket, { tty, stdin: true });
      const result = await engine.client.request<{ ExitCode: number | null }>(
        'GET',
        `/exec/${exec.Id}/json`,
      );
      process.exitCode = result.ExitCode ?? 0;
    });
}
