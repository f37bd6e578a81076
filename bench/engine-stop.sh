#!/usr/bin/env bash
# The engine's side of `down` of a 50-service stack, over the API socket: N busybox
# `sleep 3600` containers with Init, on one bridge network, started, then stopped all in
# parallel (timeout 10 s: they stop on SIGTERM through their init), then removed all in
# parallel. The reference, alternated in the same run: the same containers with
# NetworkMode "none" (no veth, no DNS records, no bridge). Prints medians per phase and the
# ratio bridged/none of stop+remove.
#
# usage: bench/engine-stop.sh   (ROUNDS=5 N=50; ENGINE=path/to/engine/main.js to time another
#        build, e.g. an older commit's, with TCOMPOSE_TCRUN naming its tcrun)
set -euo pipefail
cd "$(dirname "$0")/.."

# The node script below starts its own engine on a scratch root and stops it at the end.
scratch=$(mktemp -d /tmp/tce-stop-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
bash scripts/busybox-image.sh "$scratch/busybox.tar" >/dev/null

SCRATCH=$scratch ROUNDS=${ROUNDS:-5} N=${N:-50} node --input-type=module <<'JS'
import { spawn } from 'node:child_process';
import { createReadStream, openSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const scratch = process.env.SCRATCH;
const socket = `${scratch}/engine.sock`;
const rounds = Number(process.env.ROUNDS);
const count = Number(process.env.N);
const agent = new Agent({ keepAlive: true, maxSockets: count });

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({
      socketPath: socket, method, path: `/v1.47${path}`, agent,
      headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {},
    });
    req.on('error', reject);
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        if (response.statusCode >= 400) reject(new Error(`${method} ${path}: ${text}`));
        else resolve(text.startsWith('{') ? JSON.parse(text) : undefined);
      });
    });
    req.end(payload);
  });
}

const engine = spawn('node', [process.env.ENGINE || 'dist/engine/main.js'], {
  env: { ...process.env, TCOMPOSE_IP_MASQ: '0', TCOMPOSE_ROOT: scratch, TCOMPOSE_HOST: socket },
  stdio: ['ignore', 'ignore', openSync(`${scratch}/engine.log`, 'w')],
});
const engineExited = new Promise((resolve) => engine.on('exit', resolve));
// A failed call must not leave the engine running with its containers.
process.on('uncaughtException', (error) => {
  console.error(error.message);
  engine.kill('SIGTERM');
  engineExited.then(() => process.exit(1));
});
for (let attempt = 0; attempt < 100; attempt++) {
  if (await call('GET', '/_ping').then(() => true, () => false)) break;
  await sleep(100);
}
await new Promise((resolve, reject) => {
  const upload = request({ socketPath: socket, method: 'POST', path: '/v1.47/images/load', headers: { 'Content-Type': 'application/x-tar' } });
  upload.on('error', reject);
  upload.on('response', (response) => response.resume().on('end', resolve));
  createReadStream(`${scratch}/busybox.tar`).pipe(upload);
});

const network = `stopbench${process.pid}`;
await call('POST', '/networks/create', { Name: network, Driver: 'bridge' });

async function round(mode, index) {
  const ids = await Promise.all(Array.from({ length: count }, (_, n) =>
    call('POST', `/containers/create?name=${mode}-${index}-${n}`, {
      Image: 'busybox', Cmd: ['sleep', '3600'], HostConfig: { Init: true, NetworkMode: mode },
    }).then((reply) => reply.Id)));
  await Promise.all(ids.map((id) => call('POST', `/containers/${id}/start`)));
  const started = performance.now();
  await Promise.all(ids.map((id) => call('POST', `/containers/${id}/stop?t=10`)));
  const stopped = performance.now();
  await Promise.all(ids.map((id) => call('DELETE', `/containers/${id}`)));
  const removed = performance.now();
  return { stop: stopped - started, remove: removed - stopped, total: removed - started };
}

const results = { [network]: [], none: [] };
for (let index = 0; index < rounds; index++) {
  for (const mode of [network, 'none']) results[mode].push(await round(mode, index));
}
await call('DELETE', `/networks/${network}`);
agent.destroy();
engine.kill('SIGTERM');
await engineExited;

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (list) => Object.fromEntries(['stop', 'remove', 'total'].map((key) => [key, median(list.map((r) => r[key]))]));
const bridged = summary(results[network]);
const none = summary(results.none);
const show = (s) => `stop ${s.stop.toFixed(0)} ms, remove ${s.remove.toFixed(0)} ms, stop+remove ${s.total.toFixed(0)} ms`;
console.log(`median over ${rounds} rounds of ${count} containers`);
console.log(`  bridge network: ${show(bridged)}`);
console.log(`  NetworkMode none: ${show(none)}`);
console.log(`  ratio bridged/none (stop+remove): ${(bridged.total / none.total).toFixed(2)}`);
JS
