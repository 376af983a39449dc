// The cluster at a glance: the gateway serving this page, the ring's ingesters (state, tokens,
// heartbeat age, zone) and any other role the ring reports, with the ring's health on top.
// Refreshed every 5 seconds.

import { useEffect, useState } from 'preact/hooks';
import { buildInfo, ready, ring } from '../api/loki';
import type { BuildInfo, RingMember, RingStatus } from '../api/types';
import { formatAge } from '../time/range';

const REFRESH_MS = 5000;
const WRITABLE = new Set(['ACTIVE']);

export interface Health {
  level: 'ok' | 'warn' | 'bad';
  text: string;
}

/** Writes need a quorum of each stream's RF replicas: fewer healthy ACTIVE ingesters is down. */
export function ringHealth(status: RingStatus): Health {
  const members = status.members ?? [];
  if (members.length === 0) return { level: 'bad', text: 'No ingesters in the ring' };
  const rf = status.replicationFactor ?? 1;
  const quorum = Math.floor(rf / 2) + 1;
  const writable = members.filter((m) => m.healthy && WRITABLE.has(m.state)).length;
  const unhealthy = members.filter((m) => !m.healthy).length;
  if (writable < Math.min(quorum, members.length)) return { level: 'bad', text: `${writable} of ${members.length} ingesters writable: below the write quorum of ${quorum}` };
  if (writable < members.length) return { level: 'warn', text: `${writable} of ${members.length} ingesters ACTIVE and healthy${unhealthy > 0 ? `, ${unhealthy} unhealthy` : ''}` };
  return { level: 'ok', text: `All ${members.length} ingesters ACTIVE and healthy` };
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function MembersTable({ rows, testId }: { rows: RingMember[]; testId: string }) {
  return (
    <div class="table-wrap">
      <table class="data-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">State</th>
            <th scope="col">Health</th>
            <th scope="col">Zone</th>
            <th scope="col" class="num">Tokens</th>
            <th scope="col" class="num">Heartbeat</th>
            <th scope="col">Address</th>
            <th scope="col">Registered</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.id} data-member={m.id}>
              <td>
                <strong>{m.id}</strong>
              </td>
              <td>
                <span class={`pill ${m.state === 'ACTIVE' ? 'ok' : m.state === 'LEAVING' || m.state === 'JOINING' || m.state === 'PENDING' ? 'warn' : 'bad'}`}>{m.state}</span>
              </td>
              <td>
                <span class={`pill ${m.healthy ? 'ok' : 'bad'}`}>{m.healthy ? 'healthy' : 'unhealthy'}</span>
              </td>
              <td>{m.zone ?? ''}</td>
              <td class="num">{m.tokens ?? ''}</td>
              <td class="num">{m.heartbeatAgeMs === undefined ? '' : `${formatAge(m.heartbeatAgeMs)} ago`}</td>
              <td>{m.addr ?? ''}</td>
              <td>{m.registeredAt === undefined ? '' : new Date(m.registeredAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A role the UI does not know yet: one column per field it reports. */
function GenericTable({ rows, name }: { rows: Array<Record<string, unknown>>; name: string }) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div class="table-wrap">
      <table class="data-table" data-testid={`role-${name}`}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{cellText(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function title(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1).replace(/([a-z])([A-Z])/g, '$1 $2');
}

export function ClusterPage() {
  const [status, setStatus] = useState<RingStatus | undefined>();
  const [info, setInfo] = useState<BuildInfo | undefined>();
  const [readiness, setReadiness] = useState<{ ok: boolean; text: string } | undefined>();
  const [error, setError] = useState('');
  const [at, setAt] = useState(0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const load = async () => {
      const [r, b, rd] = await Promise.allSettled([ring(), buildInfo(), ready()]);
      if (stopped) return;
      if (r.status === 'fulfilled') {
        setStatus(r.value);
        setError('');
      } else setError((r.reason as Error).message);
      if (b.status === 'fulfilled') setInfo(b.value);
      if (rd.status === 'fulfilled') setReadiness(rd.value);
      setAt(Date.now());
      timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  const health = status === undefined ? undefined : ringHealth(status);
  const otherRoles = status === undefined ? [] : Object.entries(status).filter(([key, value]) => key !== 'members' && Array.isArray(value)) as Array<[string, Array<Record<string, unknown>>]>;

  return (
    <div class="cluster">
      <div class="toolbar">
        <h2>Cluster</h2>
        {at > 0 && <span class="muted">updated {new Date(at).toLocaleTimeString()}</span>}
      </div>
      {error !== '' && <p class="error" role="alert">Ring: {error}</p>}
      <div class="cards">
        {health !== undefined && (
          <div class={`card health ${health.level}`} data-testid="ring-health" data-level={health.level}>
            <h3>Ring health</h3>
            <p>{health.text}</p>
            <p class="muted">
              replication factor {status?.replicationFactor ?? '?'} · heartbeat timeout {status?.heartbeatTimeoutMs === undefined ? '?' : formatAge(status.heartbeatTimeoutMs)}
            </p>
          </div>
        )}
        <div class="card" data-testid="gateway-card">
          <h3>Gateway</h3>
          <p>
            {location.host} · <span class={`pill ${readiness?.ok ? 'ok' : 'bad'}`}>{readiness?.text ?? '…'}</span>
          </p>
          {info !== undefined && (
            <p class="muted">
              Norn {info.version} {info.revision !== '' ? `(${info.revision.slice(0, 12)})` : ''} · {info.goVersion ?? ''}
            </p>
          )}
        </div>
      </div>
      {status !== undefined && (
        <section aria-label="Ingesters">
          <h3>Ingesters ({status.members?.length ?? 0})</h3>
          <MembersTable rows={status.members ?? []} testId="ingesters" />
        </section>
      )}
      {otherRoles.map(([key, rows]) => (
        <section key={key} aria-label={title(key)}>
          <h3>
            {title(key)} ({rows.length})
          </h3>
          <GenericTable rows={rows} name={key} />
        </section>
      ))}
    </div>
  );
}
