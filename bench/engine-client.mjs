#!/usr/bin/env node
// A tiny Docker Engine API client for the engine benchmark: create + start + wait + remove
// of `busybox true` over the socket, with no network (NetworkMode "none"). With a tcrun command line it alternates one engine
// lifecycle with one direct `tcrun run` of the same bundle and prints both medians and their
// ratio, so both are measured in the same run under the same load.
//
// usage: node bench/engine-client.mjs SOCKET ITERATIONS [TCRUN ARGS...]
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';

const [socket, iterationsText = '1', ...tcrun] = process.argv.slice(2);
const iterations = Number(iterationsText);

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({
      socketPath: socket,
      method,
      path: `/v1.47${path}`,
      headers: payload
        ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
        : {},
      agent: keepAlive,
    });
    req.on('error', reject);
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => {
        if (response.statusCode >= 400) reject(new Error(`${method} ${path}: ${text}`));
        else resolve(text ? JSON.parse(text) : undefined);
      });
    });
    req.end(payload);
  });
}

import { Agent } from 'node:http';

const keepAlive = new Agent({ keepAlive: true });

async function lifecycle() {
  const { Id } = await call('POST', '/containers/create', {
    Image: 'busybox',
    Cmd: ['true'],
    HostConfig: { NetworkMode: 'none' },
  });
  const waited = call('POST', `/containers/${Id}/wait?condition=next-exit`);
  await call('POST', `/containers/${Id}/start`);
  const { StatusCode } = await waited;
  if (StatusCode !== 0) throw new Error(`busybox true exited ${StatusCode}`);
  await call('DELETE', `/containers/${Id}`);
}

/** Issue #5: the engine's lifecycle at most this many times a bare `tcrun run`. */
const TARGET_RATIO = 1.5;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const engineTimes = [];
const tcrunTimes = [];
for (let index = 0; index < iterations; index++) {
  let started = performance.now();
  await lifecycle();
  engineTimes.push(performance.now() - started);
  if (tcrun.length) {
    started = performance.now();
    execFileSync(tcrun[0], [...tcrun.slice(1), `bench-${process.pid}-${index}`], {
      stdio: 'ignore',
    });
    tcrunTimes.push(performance.now() - started);
  }
}
keepAlive.destroy();
const engineMedian = median(engineTimes);
if (tcrunTimes.length) {
  const tcrunMedian = median(tcrunTimes);
  const ratio = engineMedian / tcrunMedian;
  console.log(
    `median over ${iterations}: engine create+start+wait+remove ${engineMedian.toFixed(1)} ms; tcrun run ${tcrunMedian.toFixed(1)} ms; ratio ${ratio.toFixed(2)} (target at most ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'not met'})`,
  );
} else {
  console.log(
    `median over ${iterations}: engine create+start+wait+remove ${engineMedian.toFixed(1)} ms`,
  );
}
