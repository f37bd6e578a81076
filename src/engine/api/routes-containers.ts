import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badParameter } from '../../errors/engine-error.js';
import { compareVersions } from '../api-version.js';
import { attachContainer, streamContentType } from '../containers/attach.js';
import { filesystemChanges } from '../containers/filesystem-changes.js';
import { inspectContainer, summarizeContainer } from '../containers/inspect.js';
import { followLog, type LogOptions, readLog, renderLine } from '../containers/logs.js';
import { runFiles, type WaitCondition } from '../containers/manager.js';
import { type ContainerRecord, cgroupPathOf } from '../containers/model.js';
import { networkModeName } from '../containers/network-attach.js';
import type { Engine } from '../context.js';
import { parseTimestampNano } from '../events.js';
import { inspectedNetworks } from '../networking/inspected-networks.js';
import { checkFilterKeys, labelsMatch, parseFilters, queryFlag } from './filters.js';
import { requestedVersion } from './server.js';

type Query = Record<string, string | undefined>;
type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: Query }>;

function optionalInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw badParameter(`invalid value for ${name}: ${value}`);
  return Number(value);
}

const containerFilterKeys = [
  'label',
  'name',
  'status',
  'id',
  'network',
  'ancestor',
  'exited',
  'before',
  'since',
  'health',
  'volume',
  'is-task',
  'expose',
  'publish',
];

/** Docker's container list filters. */
export function containerMatches(
  record: ContainerRecord,
  filters: Record<string, string[]>,
): boolean {
  const any = (key: string, test: (value: string) => boolean) =>
    !filters[key] || filters[key].some(test);
  return (
    any('id', (value) => record.Id.startsWith(value)) &&
    any('name', (value) => new RegExp(value).test(record.Name)) &&
    any('status', (value) => record.State.Status === value) &&
    any(
      'exited',
      (value) =>
        !record.State.Running &&
        record.State.Status === 'exited' &&
        record.State.ExitCode === Number(value),
    ) &&
    any(
      'network',
      (value) =>
        value in record.Networks || networkModeName(record.HostConfig.NetworkMode) === value,
    ) &&
    any(
      'ancestor',
      (value) =>
        record.ImageName === value ||
        record.Image.startsWith(value) ||
        record.Image === `sha256:${value}`,
    ) &&
    any('health', (value) => (record.State.Health?.Status ?? 'none') === value) &&
    any('volume', (value) =>
      record.Mounts.some((point) => point.Name === value || point.Destination === value),
    ) &&
    (!filters.label || labelsMatch(record.Config.Labels, filters.label))
  );
}

async function topProcesses(record: ContainerRecord, psArgs: string | undefined) {
  if (!record.State.Running) throw badParameter(`container ${record.Id} is not running`);
  const procs = await readFile(
    `/sys/fs/cgroup/pids${cgroupPathOf(record.Id)}/cgroup.procs`,
    'utf8',
  ).catch(() => `${record.State.Pid}\n`);
  const pids = new Set(procs.split('\n').filter(Boolean));
  const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
  const output = await new Promise<string>((resolve, reject) =>
    execFile('ps', args, (error, stdout) =>
      error ? reject(badParameter(`ps: ${error.message}`)) : resolve(stdout),
    ),
  );
  const [header = '', ...rows] = output.trimEnd().split('\n');
  const titles = header.trim().split(/\s+/);
  const pidColumn = titles.indexOf('PID');
  if (pidColumn < 0) throw badParameter("Couldn't find PID field in ps output");
  const processes = rows
    .map((row) => {
      const fields = row.trim().split(/\s+/);
      return [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    })
    .filter((fields) => pids.has(fields[pidColumn] ?? ''));
  return { Titles: titles, Processes: processes };
}

/**
 * Docker's `tail`: a count of lines from the end. "all", a negative count (testcontainers
 * sends -1) and anything not a number all mean every line, as Docker reads them.
 */
function tailCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  const count = Number(value);
  return count < 0 ? undefined : count;
}

async function sendLogs(engine: Engine, request: IdRequest, reply: FastifyReply): Promise<void> {
  const live = engine.containers.find(request.params.id);
  const query = request.query;
  const tty = live.record.Config.Tty === true;
  const options: LogOptions = {
    stdout: queryFlag(query.stdout),
    stderr: queryFlag(query.stderr),
    sinceNano: parseTimestampNano(query.since) || undefined,
    untilNano: parseTimestampNano(query.until) || undefined,
    timestamps: queryFlag(query.timestamps),
    tail: tailCount(query.tail),
    tty,
  };
  if (!options.stdout && !options.stderr) throw badParameter('You must choose at least one stream');
  const { lines, offset } = await readLog(live.record.LogPath, options);
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'Content-Type': streamContentType(tty) });
  for (const line of lines) raw.write(renderLine(line, options));
  if (queryFlag(query.follow) && (live.record.State.Running || live.record.State.Restarting)) {
    const clientGone = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    const stop = Promise.race([clientGone, live.exited ?? Promise.resolve()]);
    await followLog(
      live.record.LogPath,
      offset,
      options,
      (line) => raw.write(renderLine(line, options)),
      stop,
    );
  }
  raw.end();
}

export function registerContainerRoutes(app: FastifyInstance, engine: Engine): void {
  const { containers } = engine;

  app.get('/containers/json', async (request: FastifyRequest<{ Querystring: Query }>) => {
    const filters = parseFilters(request.query.filters);
    checkFilterKeys(filters, containerFilterKeys);
    const all = queryFlag(request.query.all);
    const limit = optionalInteger(request.query.limit, 'limit');
    const now = Date.now();
    const list = containers
      .all()
      .map((live) => live.record)
      .filter((record) => all || record.State.Running || filters.status !== undefined)
      .filter((record) => containerMatches(record, filters))
      .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
    return (limit && limit > 0 ? list.slice(0, limit) : list).map((record) =>
      summarizeContainer(record, now),
    );
  });

  app.post('/containers/create', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const created = await containers.create(request.query.name, request.body);
    reply.code(201);
    return created;
  });

  app.post('/containers/prune', async (request: FastifyRequest<{ Querystring: Query }>) => {
    const filters = parseFilters(request.query.filters);
    checkFilterKeys(filters, ['label', 'label!', 'until']);
    const until = parseTimestampNano(filters.until?.[0]);
    return containers.prune(
      filters,
      (record) =>
        (!filters.label || labelsMatch(record.Config.Labels, filters.label)) &&
        (until === undefined || Date.parse(record.Created) * 1e6 < until),
    );
  });

  app.get('/containers/:id/json', async (request: IdRequest) => {
    const { record } = containers.find(request.params.id);
    const version = requestedVersion(request.originalUrl);
    const shortIdAlias = version !== undefined && compareVersions(version, '1.44') < 0;
    return inspectContainer(record, engine.paths, inspectedNetworks(record, { shortIdAlias }));
  });

  app.get('/containers/:id/top', async (request: IdRequest) =>
    topProcesses(containers.find(request.params.id).record, request.query.ps_args),
  );

  app.get('/containers/:id/logs', (request: IdRequest, reply) => sendLogs(engine, request, reply));

  // `docker diff`: read from the overlay's upper directory, running or not.
  app.get('/containers/:id/changes', async (request: IdRequest) => {
    const { upper, lowers } = engine
      .images()
      .snapshotLayerDirectories(containers.find(request.params.id).record.Id);
    return filesystemChanges(upper, lowers);
  });

  app.post('/containers/:id/start', async (request: IdRequest, reply) => {
    const outcome = await containers.start(request.params.id);
    reply.code(outcome === 'already' ? 304 : 204).send();
  });

  app.post('/containers/:id/stop', async (request: IdRequest, reply) => {
    const outcome = await containers.stop(
      request.params.id,
      optionalInteger(request.query.t, 't'),
      request.query.signal,
    );
    reply.code(outcome === 'already' ? 304 : 204).send();
  });

  app.post('/containers/:id/restart', async (request: IdRequest, reply) => {
    await containers.restart(
      request.params.id,
      optionalInteger(request.query.t, 't'),
      request.query.signal,
    );
    reply.code(204).send();
  });

  app.post('/containers/:id/kill', async (request: IdRequest, reply) => {
    await containers.kill(request.params.id, request.query.signal);
    reply.code(204).send();
  });

  app.post('/containers/:id/pause', async (request: IdRequest, reply) => {
    await containers.pause(request.params.id);
    reply.code(204).send();
  });

  app.post('/containers/:id/unpause', async (request: IdRequest, reply) => {
    await containers.unpause(request.params.id);
    reply.code(204).send();
  });

  app.post('/containers/:id/rename', async (request: IdRequest, reply) => {
    await containers.rename(request.params.id, request.query.name ?? '');
    reply.code(204).send();
  });

  app.post('/containers/:id/wait', async (request: IdRequest, reply) => {
    const condition = (request.query.condition || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) {
      throw badParameter(`invalid condition: "${condition}"`);
    }
    const result = containers.wait(request.params.id, condition);
    reply.hijack();
    reply.raw.writeHead(200, { 'Content-Type': 'application/json' });
    reply.raw.flushHeaders();
    reply.raw.end(`${JSON.stringify(await result)}\n`);
  });

  app.delete('/containers/:id', async (request: IdRequest, reply) => {
    const live = containers.find(request.params.id);
    await containers.remove(
      request.params.id,
      queryFlag(request.query.force),
      queryFlag(request.query.v),
    );
    engine.execs.forgetContainer(live.record.Id);
    reply.code(204).send();
  });

  app.post('/containers/:id/attach', async (request: IdRequest, reply) => {
    const live = containers.find(request.params.id);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'Content-Type': streamContentType(live.record.Config.Tty === true) });
    raw.flushHeaders();
    await attachContainer(
      containers,
      live,
      { output: raw, closed: new Promise((resolve) => raw.on('close', () => resolve())) },
      attachOptions(request.query),
      runFiles(engine.paths, live.record.Id).attachSocket,
    );
  });

  app.post('/containers/:id/exec', async (request: IdRequest, reply) => {
    reply.code(201);
    return engine.execs.create(request.params.id, request.body);
  });
}

export function attachOptions(query: Query) {
  return {
    stdin: queryFlag(query.stdin),
    stdout: queryFlag(query.stdout),
    stderr: queryFlag(query.stderr),
    stream: queryFlag(query.stream),
    logs: queryFlag(query.logs),
  };
}
