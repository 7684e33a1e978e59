// Brings the docker-compose cluster up with testcontainers and runs a put/get
// through the SDK — only where a Docker engine answers. Without one (as on our
// CI machines, which have the docker CLI but no engine) the test is reported
// SKIPPED, never passed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { FerryClient } from '../../src/client/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Asks the engine itself (not `which docker`): `docker info` with a 5 s timeout. */
function dockerEngineAvailable(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const engine = dockerEngineAvailable();
let env: StartedDockerComposeEnvironment | undefined;

afterAll(async () => {
  await env?.down({ removeVolumes: true });
});

describe('docker-compose cluster', () => {
  it.skipIf(!engine)('starts three healthy nodes that serve a put and a get (skipped: no Docker engine)', async () => {
    env = await new DockerComposeEnvironment(root, 'docker-compose.yml').withBuild().withWaitStrategy('n1-1', Wait.forHealthCheck()).withWaitStrategy('n2-1', Wait.forHealthCheck()).withWaitStrategy('n3-1', Wait.forHealthCheck()).up(['n1', 'n2', 'n3']);
    const db = new FerryClient({ endpoints: ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003'], timeoutMs: 20_000 });
    try {
      await db.put('compose-key', 'compose-value');
      const got = await db.get('compose-key');
      expect(got && Buffer.from(got.value).toString()).toBe('compose-value');
    } finally {
      db.close();
    }
  }, 600_000);
});
