// No Docker engine runs here, so the compose file is checked the way compose would read it:
// valid YAML, every dependency and volume defined, and every Norn command accepted by the
// real flag parser.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRunFlags } from '../bin/cli-flags.js';
import { loadAgentConfig } from '../tools/agent/index.js';

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

const nornServices = Object.entries(compose.services).filter(([, service]) => service.build === '.' && (service.command as string[])[0] === 'run');
const repoFile = (path: string): string => new URL(`../${path.replace(/^\.\//, '')}`, import.meta.url).pathname;

describe('docker-compose.yml', () => {
  it('defines the cluster: nats, minio, three ingesters, a gateway, the ruler\'s Prometheus and Alertmanager, the agent, the canary and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['agent', 'alertmanager', 'canary', 'compactor', 'gateway', 'grafana', 'ingester-1', 'ingester-2', 'ingester-3', 'minio', 'minio-setup', 'nats', 'prometheus', 'querier-1', 'querier-2', 'ruler'].sort(),
    );
    expect(compose.services['prometheus']!.command).toContain('--web.enable-remote-write-receiver');
    expect(compose.services['nats']!.command).toContain('--jetstream');
  });

  it('refers only to services and volumes it defines', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image ?? service.build, name).toBeTruthy();
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(compose.services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        // A bind mount of the project's own file must exist; a host path (/var/log) is the host's.
        if (source.startsWith('./')) expect(existsSync(repoFile(source)), `${name} mounts ${source}`).toBe(true);
        else if (!source.startsWith('/')) expect(compose.volumes, `${name} mounts ${source}`).toHaveProperty(source);
      }
    }
  });

  it('gives every Norn service a command the CLI accepts', () => {
    expect(nornServices).toHaveLength(8);
    const ids = new Set<string>();
    const queriers = new Set<string>();
    for (const [name, service] of nornServices) {
      const argv = service.command as string[];
      expect(argv[0], name).toBe('run');
      const { config } = parseRunFlags(argv.slice(1), name);
      expect(config.nats).toBe('nats://nats:4222');
      expect(config.storage.s3?.endpoint).toBe('http://minio:9000');
      expect(config.ring.replicationFactor).toBe(3);
      if (config.target === 'ingester') ids.add(config.id);
      if (config.target === 'querier') queriers.add(config.id);
      if (config.target === 'ruler') {
        expect(config.ruler.alertmanagerUrls).toEqual(['http://alertmanager:9093']);
        expect(config.ruler.remoteWrite.url).toBe('http://prometheus:9090/api/v1/write');
      }
      // The rulers and the gateway's rules API share the rules in the object store.
      if (config.target === 'ruler' || config.target === 'gateway') expect(config.ruler.storage.type, name).toBe('object');
    }
    expect(ids).toEqual(new Set(['ingester-1', 'ingester-2', 'ingester-3']));
    expect(queriers).toEqual(new Set(['querier-1', 'querier-2']));
  });

  it('ships the host\'s /var/log with the agent, from the provided config', () => {
    const agent = compose.services['agent']!;
    expect(agent.build).toBe('.');
    const argv = agent.command as string[];
    expect(argv.slice(0, 2)).toEqual(['agent', '--config']);
    expect(agent.volumes).toContain('/var/log:/var/log:ro');
    const mount = agent.volumes!.find((volume) => volume.split(':')[1] === argv[2])!;
    const config = loadAgentConfig(repoFile(mount.split(':')[0]!));
    expect(config.clients.map((client) => client.url)).toEqual(['http://gateway:3100/loki/api/v1/push']);
    expect(config.scrapeConfigs.flatMap((s) => s.staticConfigs.map((c) => c.labels['__path__']))).toContain('/var/log/*log');
    // The positions file lives on a volume, so a restarted container resumes where it was.
    expect(agent.volumes!.some((volume) => config.positions.filename.startsWith(volume.split(':')[1]!) && !volume.startsWith('/'))).toBe(true);
  });

  it('runs the canary against the gateway and Grafana with Norn as its Loki data source', () => {
    const canary = compose.services['canary']!;
    expect(canary.command).toEqual(expect.arrayContaining(['canary', '--addr', 'http://gateway:3100']));
    const grafana = compose.services['grafana']!;
    expect(grafana.image).toMatch(/^grafana\/grafana:/);
    const provisioning = grafana.volumes!.find((volume) => volume.split(':')[1] === '/etc/grafana/provisioning')!;
    const datasources = parse(readFileSync(repoFile(`${provisioning.split(':')[0]}/datasources/norn.yaml`), 'utf8')) as {
      datasources: Array<{ type: string; url: string; isDefault: boolean }>;
    };
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'loki', url: 'http://gateway:3100', isDefault: true })]);
  });
});
