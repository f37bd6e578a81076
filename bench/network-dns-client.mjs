// Runs inside a container's network namespace: sends `count` A queries for `name`, one at a
// time, to server:port over UDP and prints the latency percentiles in ms as JSON.
// Usage: node network-dns-client.mjs <server> <port> <name> <count>
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';

const [server, port, name, count] = process.argv.slice(2);

function query(id) {
  const labels = name
    .split('.')
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

const socket = dgram.createSocket('udp4');
const latencies = [];
for (let i = 0; i < Number(count); i++) {
  const id = i % 65536;
  const start = performance.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to query ${i}`)), 2000);
    const onMessage = (message) => {
      if (message.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve();
    };
    socket.on('message', onMessage);
    socket.send(query(id), Number(port), server);
  });
  latencies.push(performance.now() - start);
}
socket.close();
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(JSON.stringify({ p50: at(0.5), p99: at(0.99) }));
