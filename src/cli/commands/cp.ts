import type { Command } from 'commander';
import type { CpFlags } from '../container-copy.js';

export function registerCp(program: Command): void {
  program
    .command('cp')
    .description('copy files between a service container and the local filesystem')
    .usage(
      '[options] SERVICE:SRC_PATH DEST_PATH|-\n       tcompose cp [options] SRC_PATH|- SERVICE:DEST_PATH',
    )
    .argument('<source>', 'SERVICE:SRC_PATH, a local path, or - for a tar on stdin')
    .argument('<destination>', 'SERVICE:DEST_PATH, a local path, or - for a tar on stdout')
    .option('--index <number>', 'which replica of the service')
    .option('--all', 'also the one-off containers made by `run`')
    .option('-a, --archive', 'keep the owners (uid:gid) of the copied files')
    .option('-L, --follow-link', 'follow a symbolic link given as the source')
    .option('--dry-run', 'say what would be copied without copying')
    .action(async (source: string, destination: string, flags: CpFlags, command: Command) => {
      const { copy } = await import('../container-copy.js');
      await copy(source, destination, flags, command);
    });
}
