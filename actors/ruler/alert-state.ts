// Prometheus' alert lifecycle, as pure functions over plain (saveable) data:
//
//   (absent) --expr returns the series--> pending --held for `for`--> firing
//   pending  --series gone--> (absent)
//   firing   --series gone, `keep_firing_for` over--> inactive (resolved) --15 min--> (absent)
//   inactive --series back--> a new pending alert
//
// `for: 0` fires in the evaluation that first sees the series. Resolved alerts are kept for
// 15 minutes so Alertmanager keeps hearing they are resolved, as Prometheus does.

export type AlertState = 'pending' | 'firing' | 'inactive';

export interface ActiveAlert {
  /** Sorted by name; includes `alertname`. */
  readonly labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  state: AlertState;
  value: number;
  readonly activeAtMs: number;
  firedAtMs?: number;
  resolvedAtMs?: number;
  lastSentAtMs?: number;
  validUntilMs?: number;
  keepFiringSinceMs?: number;
}

/** One series the expression returned, with the rule's labels and annotations applied. */
export interface AlertInput {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface AlertTimings {
  readonly forMs: number;
  readonly keepFiringForMs: number;
  /** Most alerts pending or firing at once; 0: no limit. */
  readonly limit: number;
}

export const RESOLVED_RETENTION_MS = 15 * 60_000;

export class AlertLimitError extends Error {}
export class DuplicateLabelsetError extends Error {}

export function fingerprint(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((name) => [name, labels[name]]));
}

/**
 * The rule's alerts after one evaluation at `tsMs` that returned `inputs`. `active` is updated in
 * place (it is the rule's state); throws, with every alert dropped, past the group's limit.
 */
export function applyEvaluation(active: Map<string, ActiveAlert>, inputs: readonly AlertInput[], timings: AlertTimings, tsMs: number): void {
  const seen = new Set<string>();
  for (const input of inputs) {
    const fp = fingerprint(input.labels);
    if (seen.has(fp)) throw new DuplicateLabelsetError('vector contains metrics with the same labelset after applying alert labels');
    seen.add(fp);
    const existing = active.get(fp);
    if (existing !== undefined && existing.state !== 'inactive') {
      existing.value = input.value;
      existing.annotations = input.annotations;
      continue;
    }
    active.set(fp, { labels: input.labels, annotations: input.annotations, state: 'pending', value: input.value, activeAtMs: tsMs });
  }

  let pendingOrFiring = 0;
  for (const [fp, alert] of active) {
    if (!seen.has(fp)) {
      let keepFiring = false;
      if (alert.state === 'firing' && timings.keepFiringForMs > 0) {
        alert.keepFiringSinceMs ??= tsMs;
        keepFiring = tsMs - alert.keepFiringSinceMs < timings.keepFiringForMs;
      }
      if (alert.state === 'pending' || (alert.resolvedAtMs !== undefined && tsMs - alert.resolvedAtMs > RESOLVED_RETENTION_MS)) {
        active.delete(fp);
      }
      if (alert.state !== 'inactive' && !keepFiring) {
        alert.state = 'inactive';
        alert.resolvedAtMs = tsMs;
      }
      if (!keepFiring) continue;
    } else {
      delete alert.keepFiringSinceMs;
    }
    pendingOrFiring++;
    if (alert.state === 'pending' && tsMs - alert.activeAtMs >= timings.forMs) {
      alert.state = 'firing';
      alert.firedAtMs = tsMs;
    }
  }
  if (timings.limit > 0 && pendingOrFiring > timings.limit) {
    active.clear();
    throw new AlertLimitError(`exceeded limit of ${timings.limit} with ${pendingOrFiring} alerts`);
  }
}

/** What Alertmanager is told about one alert. */
export interface Notification {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
}

/**
 * The alerts due to be sent at `tsMs`: firing ones not sent for `resendDelayMs`, and resolved
 * ones not yet sent since resolving. Marks them sent; a firing alert is valid for four resend
 * periods, so two lost evaluations or sends do not resolve it in Alertmanager.
 */
export function alertsToSend(active: Map<string, ActiveAlert>, tsMs: number, resendDelayMs: number, intervalMs: number): Notification[] {
  const out: Notification[] = [];
  for (const alert of active.values()) {
    if (alert.state === 'pending') continue;
    const resolvedSinceSent = alert.resolvedAtMs !== undefined && alert.resolvedAtMs > (alert.lastSentAtMs ?? -Infinity);
    const due = alert.lastSentAtMs === undefined || alert.lastSentAtMs + resendDelayMs < tsMs;
    if (!resolvedSinceSent && !due) continue;
    alert.lastSentAtMs = tsMs;
    alert.validUntilMs = tsMs + 4 * Math.max(resendDelayMs, intervalMs);
    out.push({
      labels: alert.labels,
      annotations: alert.annotations,
      startsAtMs: alert.firedAtMs ?? alert.activeAtMs,
      endsAtMs: alert.resolvedAtMs ?? alert.validUntilMs,
    });
  }
  return out;
}

/** The rule's state as Prometheus reports it: the most severe of its alerts. */
export function ruleState(active: ReadonlyMap<string, ActiveAlert>): AlertState {
  let state: AlertState = 'inactive';
  for (const alert of active.values()) {
    if (alert.state === 'firing') return 'firing';
    if (alert.state === 'pending') state = 'pending';
  }
  return state;
}
