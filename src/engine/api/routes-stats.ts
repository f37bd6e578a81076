import { totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../context.js';
import { sampleContainer } from '../stats/sample.js';
import { type StatsSample, statsDocument } from '../stats/stats-document.js';
import { queryFlag } from './filters.js';

type StatsRequest = FastifyRequest<{
  Params: { id: string };
  Querystring: { stream?: string; 'one-shot'?: string };
}>;

/** How often a stream reports, and how far apart the two samples of a single report are. */
const INTERVAL_MS = 1000;

/**
 * GET /containers/{id}/stats, which `docker stats` reads: a stream of one document a
 * second by default; with stream=false one document whose precpu_stats were read a
 * second earlier (so a CPU percentage can be computed), or at once with one-shot=true.
 */
export function registerStatsRoutes(app: FastifyInstance, engine: Engine): void {
  app.get('/containers/:id/stats', async (request: StatsRequest, reply: FastifyReply) => {
    const live = engine.containers.find(request.params.id);
    const document = (sample: StatsSample, previous?: StatsSample) =>
      `${JSON.stringify(statsDocument(live.record, sample, previous, totalmem()))}\n`;
    const stream = request.query.stream === undefined || queryFlag(request.query.stream);
    if (!stream) {
      if (queryFlag(request.query['one-shot']))
        return reply.type('application/json').send(document(await sampleContainer(live.record)));
      const previous = await sampleContainer(live.record);
      await sleep(INTERVAL_MS);
      return reply
        .type('application/json')
        .send(document(await sampleContainer(live.record), previous));
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'Content-Type': 'application/json' });
    const stop = new AbortController();
    raw.on('close', () => stop.abort());
    let previous: StatsSample | undefined;
    // The stream ends when the client goes or the container is removed.
    const exists = () => engine.containers.all().includes(live);
    while (!stop.signal.aborted && exists()) {
      const sample = await sampleContainer(live.record);
      raw.write(document(sample, previous));
      previous = sample;
      await sleep(INTERVAL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
    }
    raw.end();
  });
}
