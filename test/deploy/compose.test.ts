// docker-compose.yml must start nodes the server accepts: every node service's
// command is parsed with the server's own config parser, against the cluster
// file the compose file mounts, and must agree with that file's topology.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildConfig, type RawOptions } from '../../src/server/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  command?: string[];
  volumes?: string[];
  ports?: string[];
  image?: string;
  healthcheck?: { test?: string[] };
}

function hasComposePlugin(): boolean {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
const composePlugin = hasComposePlugin();

const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const nodeServices = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('ferrykv'));

/** Maps a command line to the parser's options (flags as ferrykv-server declares them). */
function toRaw(args: string[], mounts: Map<string, string>, dataDir: string): RawOptions {
  const raw: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    expect(flag.startsWith('--'), `unexpected argument ${flag}`).toBe(true);
    const key = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    raw[key] = args[i + 1]!;
  }
  if (raw.cluster) raw.cluster = mounts.get(raw.cluster) ?? raw.cluster;
  raw.dataDir = dataDir;
  return raw as RawOptions;
}

describe('docker-compose.yml', () => {
  it('defines three ferrykv node services', () => {
    expect(nodeServices.map(([name]) => name).sort()).toEqual(['n1', 'n2', 'n3']);
  });

  for (const [name, svc] of nodeServices) {
    it(`${name}: its command passes the server's config parser and matches the mounted cluster file`, () => {
      const mounts = new Map<string, string>();
      for (const v of svc.volumes ?? []) {
        const [host, container] = v.split(':');
        if (host?.startsWith('./')) mounts.set(container!, join(root, host));
      }
      const dataDir = mkdtempSync(join(tmpdir(), 'ferrykv-compose-'));
      try {
        const cfg = buildConfig(toRaw(svc.command ?? [], mounts, dataDir), {});
        const me = cfg.cluster.nodes.find((n) => n.id === cfg.nodeId)!;
        // Peers reach the node by service name on the port it listens on.
        expect(me.address).toBe(`${name}:${cfg.listen.split(':').pop()}`);
        expect(cfg.http?.split(':').pop()).toBe(me.http?.split(':').pop());
        expect(svc.healthcheck?.test?.join(' ')).toContain(`127.0.0.1:${cfg.http?.split(':').pop()}/healthz`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }

  // `docker compose config` needs only the CLI and its compose plugin, not an engine.
  it.skipIf(!composePlugin)('is accepted by `docker compose config` (skipped: no docker compose plugin)', async () => {
    const ok = await new Promise<boolean>((resolve) => {
      execFile('docker', ['compose', '-f', join(root, 'docker-compose.yml'), 'config', '--quiet'], { timeout: 15_000 }, (err) => resolve(!err));
    });
    expect(ok).toBe(true);
  });
});
