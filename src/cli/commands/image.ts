import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { EngineClient } from '../../engine/client.js';
import { followProgress } from '../progress-stream.js';
import { formatTable, humanSize, timeAgo } from '../table.js';

export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  Created: number;
  Size: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const encoded = (reference: string) => encodeURIComponent(reference);

/** One row per tag (or one <none> row), as `docker images` lists them. */
export function imageRows(images: ImageSummary[]): string[][] {
  return images.flatMap((image) => {
    const tags = image.RepoTags?.length ? image.RepoTags : ['<none>:<none>'];
    return tags.map((reference) => {
      const at = reference.lastIndexOf(':');
      return [
        reference.slice(0, at),
        reference.slice(at + 1),
        shortId(image.Id),
        timeAgo(image.Created),
        humanSize(image.Size),
      ];
    });
  });
}

async function list(client: EngineClient, flags: { format: string; quiet?: boolean }) {
  const images = await client.request<ImageSummary[]>('GET', '/images/json');
  if (flags.quiet) process.stdout.write(images.map((image) => `${shortId(image.Id)}\n`).join(''));
  else if (flags.format === 'json')
    process.stdout.write(images.map((image) => `${JSON.stringify(image)}\n`).join(''));
  else
    process.stdout.write(
      formatTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], imageRows(images)),
    );
}

/** The archive to send, opened before any request so a missing file is a plain error. */
async function inputArchive(file: string): Promise<Readable> {
  try {
    return (await open(file)).createReadStream();
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : (error as Error).message;
    throw new Error(`cannot read ${file}: ${reason}`);
  }
}

/** Sends an archive file to an endpoint that answers with a JSON progress stream. */
async function sendArchive(
  client: EngineClient,
  path: string,
  file: string,
  query: Record<string, string | string[] | undefined> = {},
): Promise<void> {
  const response = await client.stream('POST', path, {
    query,
    body: await inputArchive(file),
    headers: { 'Content-Type': 'application/x-tar' },
  });
  await followProgress(response);
}

/** Splits a reference into the repo and tag query parameters the API wants. */
function repoAndTag(reference: string): { repo: string; tag?: string } {
  const at = reference.lastIndexOf(':');
  return at > reference.lastIndexOf('/')
    ? { repo: reference.slice(0, at), tag: reference.slice(at + 1) }
    : { repo: reference };
}

export function registerImage(program: Command): void {
  const image = program.command('image').description('manage images in the engine');
  const withClient =
    <A extends unknown[]>(action: (client: EngineClient, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const command = args[args.length - 1] as Command;
      const { connectEngine } = await import('../project-engine-connection.js');
      await action(await connectEngine(command), ...args);
    };

  image
    .command('ls')
    .description('list images')
    .option('-q, --quiet', 'only print image IDs')
    .option('--format <format>', 'table or json', 'table')
    .action(
      withClient((client, flags: { format: string; quiet?: boolean }) => list(client, flags)),
    );

  image
    .command('load')
    .description('load images from a docker save or OCI archive')
    .requiredOption('-i, --input <file>', 'the archive to read')
    .action(
      withClient((client, flags: { input: string }) =>
        sendArchive(client, '/images/load', flags.input),
      ),
    );

  image
    .command('import')
    .description('import a root filesystem tarball as an image')
    .argument('<file>', 'the tarball')
    .argument('[reference]', 'name[:tag] for the image')
    .option(
      '-c, --change <instruction>',
      'a Dockerfile instruction to apply (repeatable)',
      collect,
      [],
    )
    .option('-m, --message <text>', 'commit message')
    .action(
      withClient(
        async (
          client,
          file: string,
          reference: string | undefined,
          flags: { change: string[]; message?: string },
        ) => {
          await sendArchive(client, '/images/create', file, {
            fromSrc: '-',
            ...(reference ? repoAndTag(reference) : {}),
            changes: flags.change,
            message: flags.message,
          });
        },
      ),
    );

  image
    .command('save')
    .description('save images to a docker save archive')
    .requiredOption('-o, --output <file>', 'the archive to write')
    .argument('<references...>', 'images to save')
    .action(
      withClient(async (client, references: string[], flags: { output: string }) => {
        const response = await client.stream('GET', '/images/get', {
          query: { names: references },
        });
        await pipeline(response, createWriteStream(flags.output));
      }),
    );

  image
    .command('inspect')
    .description('show the details of images as JSON')
    .argument('<references...>', 'images to inspect')
    .action(
      withClient(async (client, references: string[]) => {
        const details = await Promise.all(
          references.map((reference) =>
            client.request('GET', `/images/${encoded(reference)}/json`),
          ),
        );
        process.stdout.write(`${JSON.stringify(details, null, 2)}\n`);
      }),
    );

  image
    .command('rm')
    .description('remove images')
    .argument('<references...>', 'images to remove')
    .option('-f, --force', 'remove even when tagged more than once or used by a stopped container')
    .action(
      withClient(async (client, references: string[], flags: { force?: boolean }) => {
        for (const reference of references) {
          const removed = await client.request<{ Untagged?: string; Deleted?: string }[]>(
            'DELETE',
            `/images/${encoded(reference)}`,
            { query: { force: flags.force ? 1 : undefined } },
          );
          for (const entry of removed) {
            process.stdout.write(
              entry.Untagged ? `Untagged: ${entry.Untagged}\n` : `Deleted: ${entry.Deleted}\n`,
            );
          }
        }
      }),
    );

  image
    .command('tag')
    .description('give an image another name')
    .argument('<source>', 'existing image')
    .argument('<target>', 'new name[:tag]')
    .action(
      withClient(async (client, source: string, target: string) => {
        await client.request('POST', `/images/${encoded(source)}/tag`, {
          query: { ...repoAndTag(target) },
        });
      }),
    );

  image
    .command('prune')
    .description('remove unused images (dangling ones, or all unused with -a)')
    .option('-a, --all', 'remove every image no container uses')
    .action(
      withClient(async (client, flags: { all?: boolean }) => {
        const result = await client.request<{
          ImagesDeleted: { Deleted?: string; Untagged?: string }[] | null;
          SpaceReclaimed: number;
        }>('POST', '/images/prune', {
          query: { filters: flags.all ? { dangling: ['false'] } : undefined },
        });
        for (const entry of result.ImagesDeleted ?? []) {
          process.stdout.write(
            entry.Untagged ? `Untagged: ${entry.Untagged}\n` : `Deleted: ${entry.Deleted}\n`,
          );
        }
        process.stdout.write(`Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`);
      }),
    );
}
