// No Docker engine runs here, so the compose file is checked the way compose would read it:
// valid YAML, every dependency and volume defined, and every Norn command accepted by the
// real flag parser.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRunFlags } from '../bin/cli-flags.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
}

const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

const nornServices = Object.entries(compose.services).filter(([, service]) => service.build === '.');

describe('docker-compose.yml', () => {
  it('defines the cluster: nats, minio, three ingesters and a gateway', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['gateway', 'ingester-1', 'ingester-2', 'ingester-3', 'minio', 'minio-setup', 'nats'].sort(),
    );
    expect(compose.services['nats']!.command).toContain('--jetstream');
  });

  it('refers only to services and volumes it defines', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image ?? service.build, name).toBeTruthy();
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(compose.services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        expect(compose.volumes, `${name} mounts ${source}`).toHaveProperty(source);
      }
    }
  });

  it('gives every Norn service a command the CLI accepts', () => {
    expect(nornServices).toHaveLength(4);
    const ids = new Set<string>();
    for (const [name, service] of nornServices) {
      const argv = service.command as string[];
      expect(argv[0], name).toBe('run');
      const { config } = parseRunFlags(argv.slice(1), name);
      expect(config.nats).toBe('nats://nats:4222');
      expect(config.storage.s3?.endpoint).toBe('http://minio:9000');
      expect(config.ring.replicationFactor).toBe(3);
      if (config.target === 'ingester') ids.add(config.id);
    }
    expect(ids).toEqual(new Set(['ingester-1', 'ingester-2', 'ingester-3']));
  });
});
