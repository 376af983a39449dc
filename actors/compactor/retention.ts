// Retention, with Loki's rules: a chunk is expired when its last entry (`through`) is older than
// now minus its stream's retention period. The period is the tenant's `retention_stream` rule
// that matches the stream with the highest priority (on a tie, the shorter period), else the
// tenant's `retention_period`; 0 keeps forever. Limits are read through `limitsFor`, so
// per-tenant overrides (and runtime ones) apply. Expired chunks are first marked for deletion
// (durably, see marks.ts), then removed from the index; the sweeper deletes the objects after
// `retention_delete_delay`.

import { limitsFor, type LimitsConfig } from '../../core/limits.js';
import type { Labels } from '../../core/model.js';
import { compileLogSelector, matchesLabels } from '../../logql/mod.js';
import type { Matcher } from '../../logql/mod.js';
import { dayStart } from '../../storage/keys.js';
import type { IndexCompactor } from '../../storage/index/index-compactor.js';
import type { ChunkRef } from '../../storage/index/types.js';
import type { DeletionMarks } from './marks.js';

const NS_PER_MS = 1_000_000n;

interface CompiledRule {
  readonly matchers: readonly Matcher[];
  readonly periodMs: number;
  readonly priority: number;
}

/** One tenant's retention rules, compiled once per run. */
export class RetentionPolicy {
  private readonly rules: CompiledRule[];
  readonly periodMs: number;
  /** Equal for equal rules: a day checked under the same rules need not be read again early. */
  readonly fingerprint: string;

  constructor(tenantLimits: LimitsConfig) {
    this.periodMs = tenantLimits.retentionPeriodMs;
    this.fingerprint = JSON.stringify([tenantLimits.retentionPeriodMs, tenantLimits.retentionStream]);
    this.rules = tenantLimits.retentionStream.map((rule) => {
      const plan = compileLogSelector(rule.selector);
      return { matchers: plan.matchers, periodMs: rule.periodMs, priority: rule.priority };
    });
  }

  /** The stream's retention period, ms; 0 keeps it forever. */
  periodFor(labels: Labels): number {
    let best: CompiledRule | undefined;
    for (const rule of this.rules) {
      if (!matchesLabels(rule.matchers, labels)) continue;
      if (best === undefined || rule.priority > best.priority || (rule.priority === best.priority && rule.periodMs < best.periodMs)) best = rule;
    }
    return best !== undefined ? best.periodMs : this.periodMs;
  }

  /** The shortest period any stream can have, or undefined when everything is kept forever. */
  get shortestMs(): number | undefined {
    const periods = [this.periodMs, ...this.rules.map((rule) => rule.periodMs)].filter((ms) => ms > 0);
    return periods.length === 0 ? undefined : Math.min(...periods);
  }

  /** Whether a chunk of a stream with these labels is expired at `nowMs`. */
  expired(labels: Labels, ref: ChunkRef, nowMs: number): boolean {
    const period = this.periodFor(labels);
    return period > 0 && ref.through < BigInt(nowMs - period) * NS_PER_MS;
  }
}

export interface RetentionResult {
  /** Chunk refs removed from the index (a chunk under two days counts twice). */
  readonly refsRemoved: number;
  /** Distinct chunks marked for deletion. */
  readonly chunksMarked: number;
  readonly daysEmptied: number;
  /** Days that got a new index generation. */
  readonly daysRewritten: number;
}

export interface RetentionOptions {
  readonly index: IndexCompactor;
  readonly marks: DeletionMarks;
  readonly limits: () => LimitsConfig;
  readonly deleteDelayMs: number;
  readonly now?: () => number;
}

/** A day read at `generation` with no per-flush refs: nothing in it expires before `nextExpiryMs`. */
interface Checked {
  readonly generation: number;
  readonly policy: string;
  readonly nextExpiryMs: number;
}

/** Checked tenant-days remembered. */
const CHECKED_MEMORY = 100_000;

export class Retention {
  private readonly now: () => number;
  private readonly checked = new Map<string, Checked>();

  constructor(private readonly options: RetentionOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Applies retention to a tenant's days. Only days that start before now minus the tenant's
   * shortest period can hold expired chunks (every ref of a day ends on or after its start), so
   * the others are not read. `proceed` is asked before each day.
   */
  async applyTenant(tenant: string, days: readonly number[], proceed: () => boolean = () => true): Promise<RetentionResult> {
    const policy = new RetentionPolicy(limitsFor(this.options.limits(), tenant));
    const shortest = policy.shortestMs;
    let refsRemoved = 0;
    let chunksMarked = 0;
    let daysEmptied = 0;
    let daysRewritten = 0;
    if (shortest === undefined) return { refsRemoved, chunksMarked, daysEmptied, daysRewritten };
    const now = this.now();
    const horizon = BigInt(now - shortest) * NS_PER_MS;
    for (const day of days) {
      if (dayStart(day) >= horizon) break;
      if (!proceed()) break;
      // A day kept by rules that keep some streams longer is not read again every run: one
      // listing shows whether it changed, and the memo when its next chunk expires.
      const memo = `${tenant}/${day}`;
      const seen = this.checked.get(memo);
      if (seen !== undefined) {
        const peek = await this.options.index.peekDay(tenant, day);
        if (peek.flushed === 0 && peek.generation === seen.generation && seen.policy === policy.fingerprint && now < seen.nextExpiryMs) continue;
        this.checked.delete(memo);
      }
      const index = await this.options.index.loadDay(tenant, day);
      const expired: ChunkRef[] = [];
      let nextExpiryMs = Infinity;
      for (const stream of (await this.options.index.streamsOf(index)).values()) {
        if (stream.labels === undefined) continue; // no labels, no rule: keep it
        const period = policy.periodFor(stream.labels);
        for (const ref of stream.refs.values()) {
          if (policy.expired(stream.labels, ref, now)) expired.push(ref);
          else if (period > 0) nextExpiryMs = Math.min(nextExpiryMs, Number(ref.through / NS_PER_MS) + period + 1);
        }
      }
      const remember = (generation: number | undefined): void => {
        if (generation === undefined || index.flushed.size > 0) return;
        this.checked.set(memo, { generation, policy: policy.fingerprint, nextExpiryMs });
        if (this.checked.size > CHECKED_MEMORY) this.checked.delete(this.checked.keys().next().value!);
      };
      if (expired.length === 0) {
        remember(index.compacted?.generation);
        continue;
      }
      // Marked first: a crash between the two steps leaves a marker whose chunks are still
      // referenced, which the sweeper keeps; the other order would leak the chunks forever.
      await this.options.marks.mark(expired.map((ref) => ref.key), this.options.deleteDelayMs);
      const result = await this.options.index.removeChunkRefs(tenant, day, expired);
      refsRemoved += result.removed.length;
      chunksMarked += expired.length;
      if (result.emptied) daysEmptied++;
      remember(result.written);
      if (result.written !== undefined) daysRewritten++;
    }
    return { refsRemoved, chunksMarked, daysEmptied, daysRewritten };
  }
}
