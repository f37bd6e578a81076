import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';

const testEngine = engineForFile();

/**
 * testcontainers, pointed at the test engine: no Ryuk (its image would come from Docker
 * Hub), and mapped ports reached on loopback.
 */
async function loadTestcontainers() {
  process.env.DOCKER_HOST = `unix://${testEngine().socket}`;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  return import('testcontainers');
}

describe('testcontainers driving the engine', () => {
  it('starts containers on a network with a mapped port, waits for them, execs and stops them', async () => {
    const { GenericContainer, Network, Wait } = await loadTestcontainers();
    const network = await new Network().start();
    const server = await new GenericContainer('busybox:latest')
      .withCommand(['httpd', '-f', '-p', '8080', '-h', '/etc'])
      .withExposedPorts(8080)
      .withNetwork(network)
      .withNetworkAliases('web')
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
    const response = await fetch(`http://127.0.0.1:${server.getMappedPort(8080)}/hostname`);
    const hostname = (await response.text()).trim();
    expect(response.status).toBe(200);
    expect(await server.exec(['hostname'])).toMatchObject({ exitCode: 0, output: `${hostname}\n` });

    // A second container finds the first by its alias; the wait reads its first log line.
    const client = await new GenericContainer('busybox:latest')
      .withNetwork(network)
      .withCommand(['sh', '-c', 'echo asking; wget -qO- http://web:8080/hostname; sleep 1000'])
      .withWaitStrategy(Wait.forLogMessage('asking'))
      .withStartupTimeout(20_000)
      .start();
    let logs = '';
    for await (const chunk of await client.logs()) {
      logs += chunk;
      if (logs.includes(hostname)) break;
    }
    expect(logs).toContain(hostname);

    await client.stop();
    await server.stop();
    await network.stop();
  });
});
