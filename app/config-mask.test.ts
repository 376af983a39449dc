import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunFlags } from '../bin/cli-flags.js';
import { loadConfigFile } from './config-file.js';
import { MASK, maskSecrets, maskUrlCredentials } from './config-mask.js';
import { startNorn, type RunningNorn } from './norn.js';
import { testConfig } from '../test/helpers/norn.js';

/** Every credential a configuration can carry; none may appear on /config. */
const SECRETS = ['s3-secret-Xq9', 'nats-pass-Zr4', 'nats-token-Vb7', 'am-pass-Kd2', 'rw-pass-Hs8', 'Bearer rw-bearer-Pw3', 'cookie-Ty6'];

function configFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'norn-mask-')), 'norn.yaml');
  writeFileSync(file, `
nats: nats://norn:nats-pass-Zr4@nats-1:4222,nats://nats-token-Vb7@nats-2:4222
storage:
  s3: { endpoint: http://minio:9000, bucket: norn, access_key: norn-access, secret_key: s3-secret-Xq9, region: us-east-1 }
ruler:
  alertmanager_url: http://am:am-pass-Kd2@alertmanager:9093
  remote_write:
    url: http://prometheus:9090/api/v1/write
    basic_auth: { username: rw-user, password: rw-pass-Hs8 }
    headers: { Authorization: Bearer rw-bearer-Pw3, Cookie: cookie-Ty6, X-Scope-OrgID: team-a }
`);
  return file;
}

describe('/config masks secrets as Loki does', () => {
  it('masks S3 keys, NATS and URL credentials, passwords and authenticating headers', () => {
    const masked = maskSecrets(loadConfigFile(configFile()));
    const text = toYaml(masked);
    for (const secret of SECRETS) expect(text, `leaked ${secret}`).not.toContain(secret);
    expect(masked.storage.s3!.secretKey).toBe(MASK);
    expect(masked.storage.s3!.accessKey).toBe('norn-access');
    expect(masked.nats).toBe(`nats://norn:${MASK}@nats-1:4222,nats://${MASK}@nats-2:4222`);
    expect(masked.ruler.alertmanagerUrls).toEqual([`http://am:${MASK}@alertmanager:9093`]);
    expect(masked.ruler.remoteWrite.basicAuth).toEqual({ username: 'rw-user', password: MASK });
    expect(masked.ruler.remoteWrite.headers).toEqual({ Authorization: MASK, Cookie: MASK, 'X-Scope-OrgID': 'team-a' });
    expect(masked.ring.tokens).toBe(128);
  });

  it('masks a secret given as a flag', () => {
    const { config } = parseRunFlags(['--s3-endpoint', 'http://minio:9000', '--s3-secret-key', 's3-secret-Xq9', '--nats', 'nats://u:nats-pass-Zr4@h:4222', '--target', 'gateway'], 'host');
    const text = toYaml(maskSecrets(config));
    expect(text).not.toContain('s3-secret-Xq9');
    expect(text).not.toContain('nats-pass-Zr4');
  });

  it('leaves empty secrets empty and URLs without user info alone', () => {
    expect(maskSecrets({ secretKey: '', url: 'http://host:9093/path' })).toEqual({ secretKey: '', url: 'http://host:9093/path' });
    expect(maskUrlCredentials('nats://a:b@h1:4222, nats://c@h2')).toBe(`nats://a:${MASK}@h1:4222, nats://${MASK}@h2`);
  });
});

describe('/config over HTTP', () => {
  let norn: RunningNorn;
  beforeAll(async () => {
    const base = testConfig();
    const file = loadConfigFile(configFile());
    // The process runs on its embedded bus: only the settings that carry secrets come from the file.
    norn = await startNorn({ ...base, ruler: { ...file.ruler, storage: base.ruler.storage } }, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await norn?.stop();
  });

  it('serves no ruler credential', async () => {
    const text = await (await fetch(`${norn.address}/config`)).text();
    expect(text).toContain('rw-user');
    for (const secret of SECRETS) expect(text, `leaked ${secret}`).not.toContain(secret);
  });
});
