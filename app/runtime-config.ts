// Loki's runtime configuration: a YAML file of per-tenant `overrides:` that is re-read every
// `runtime_config.period`, so a tenant's limits change without a restart. The global `limits:`
// stay as the process started; only tenants change.
//
// Components keep the contract they already have: they hold a LimitsConfig and call
// `limitsFor(limits, tenant)`. The LimitsConfig handed out here (`limits`) has an `overrides`
// that reads what is in force now: the config file's `overrides:` with the runtime file's
// tenants merged on top (a tenant in both gets the file's keys first, then the runtime file's).
//
// A file that does not parse, holds an unknown setting or an invalid value, or cannot be read
// (deleted, unreadable) is refused whole: the error is logged naming the problem, the reload
// gauge goes to 0, and the last good overrides stay in force, as Loki does. At start a bad file
// is an error: the process does not start on limits it cannot read.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import type { LimitsConfig } from '../core/limits.js';
import { otlpConfigProblem } from '../actors/distributor/otlp.js';
import type { RuntimeConfigSettings } from './config.js';
import { ConfigError, mergeTenantOverrides } from './config-file.js';
import { problemKey, tenantLimitsSchema } from './config-schema.js';
import { limitsDiff, limitsToYaml } from './limits-yaml.js';

type Overrides = Readonly<Record<string, LimitsConfig>>;

export interface RuntimeConfigMetrics {
  readonly lastReloadSuccessful: Gauge;
  readonly hash: Gauge<'sha256'>;
}

export function createRuntimeConfigMetrics(registry: Registry): RuntimeConfigMetrics {
  const registers = [registry];
  return {
    lastReloadSuccessful: new Gauge({
      name: 'norn_runtime_config_last_reload_successful',
      help: 'Whether the last runtime config reload attempt was successful (1) or refused (0).',
      registers,
    }),
    hash: new Gauge({
      name: 'norn_runtime_config_hash',
      help: 'Hash of the runtime config file in force: the sha256 label, value 1.',
      labelNames: ['sha256'],
      registers,
    }),
  };
}

/**
 * The per-tenant limits of one runtime file's text merged onto `base` (global limits and the
 * config file's overrides), or every problem in it, one line each naming the key.
 */
export function parseRuntimeOverrides(text: string, base: LimitsConfig): { overrides: Overrides; problems: string[] } {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return { overrides: {}, problems: [`not valid YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  // An empty file is an empty runtime config: no tenant overridden.
  if (document === null || document === undefined) return { overrides: {}, problems: [] };
  if (typeof document !== 'object' || Array.isArray(document)) return { overrides: {}, problems: ['expected a mapping with an overrides: section'] };
  const problems: string[] = [];
  for (const key of Object.keys(document)) if (key !== 'overrides') problems.push(`${key}: unknown setting (a runtime config file holds overrides:)`);
  const section = (document as Record<string, unknown>)['overrides'];
  if (section === undefined || section === null) return { overrides: {}, problems };
  const { overrides: _global, ...global } = base;
  const overrides = mergeTenantOverrides(section, (tenant) => base.overrides?.[tenant] ?? global, 'overrides', problems);
  for (const [tenant, limits] of Object.entries(overrides)) {
    const result = tenantLimitsSchema.safeParse(limits);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`${problemKey(['limits', 'overrides', tenant, ...issue.path])}: ${issue.message}`);
    }
    const otlp = otlpConfigProblem(limits.otlpConfig);
    if (otlp !== undefined) problems.push(`overrides.${tenant}.otlp_config: ${otlp}`);
  }
  return { overrides, problems: [...new Set(problems)] };
}

export interface RuntimeConfigOptions {
  readonly settings: RuntimeConfigSettings;
  /** The config file's limits, with its static `overrides:`. */
  readonly limits: LimitsConfig;
  readonly logger: Logger;
}

export class RuntimeConfig {
  /** The LimitsConfig components hold: global limits fixed, `overrides` live. */
  readonly limits: LimitsConfig;
  private readonly base: LimitsConfig;
  private inForce: Overrides;
  private fromFile: Overrides = {};
  private hash: string | undefined;
  private lastProblem: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private metrics: RuntimeConfigMetrics | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: RuntimeConfigOptions) {
    this.base = options.limits;
    this.inForce = options.limits.overrides ?? {};
    this.logger = options.logger.child({ component: 'runtime-config' });
    const { overrides: _static, ...global } = options.limits;
    const live = { ...global } as LimitsConfig;
    Object.defineProperty(live, 'overrides', { get: () => this.inForce, enumerable: true });
    this.limits = Object.freeze(live);
  }

  get file(): string {
    return this.options.settings.file;
  }

  /** The sha256 of the file in force; undefined before a good load or without a file. */
  get currentHash(): string | undefined {
    return this.hash;
  }

  /**
   * First load, then a reload every period. Without a file there is nothing to watch; a file
   * that cannot be loaded at start is a ConfigError (Loki does not start either).
   */
  start(registry?: Registry): void {
    if (registry !== undefined) this.metrics = createRuntimeConfigMetrics(registry);
    if (this.file === '') return;
    const problem = this.reload();
    if (problem !== undefined) throw new ConfigError(`runtime config file ${this.file}: ${problem}`);
    this.timer = setInterval(() => this.reload(), this.options.settings.periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Reads the file once; applies it if it is good and changed. Returns the problem that kept it
   * out (the last good overrides stay in force), or undefined.
   */
  reload(): string | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      return this.refuse(`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.hash) {
      this.succeeded();
      return undefined;
    }
    const { overrides, problems } = parseRuntimeOverrides(text, this.base);
    if (problems.length > 0) return this.refuse(problems.join('; '));
    this.fromFile = overrides;
    this.inForce = { ...(this.base.overrides ?? {}), ...overrides };
    const previous = this.hash;
    this.hash = hash;
    this.metrics?.hash.reset();
    this.metrics?.hash.set({ sha256: hash }, 1);
    this.succeeded();
    this.logger.info({ file: this.file, sha256: hash, tenants: Object.keys(overrides).length, ...(previous !== undefined ? { previous } : {}) }, 'runtime config loaded');
    return undefined;
  }

  private succeeded(): void {
    this.lastProblem = undefined;
    this.metrics?.lastReloadSuccessful.set(1);
  }

  private refuse(problem: string): string {
    this.metrics?.lastReloadSuccessful.set(0);
    // Once per distinct problem: the same bad file every period is one error, not one a period.
    if (problem !== this.lastProblem) {
      const kept = this.hash !== undefined ? `the last good one (sha256 ${this.hash}) stays in force` : 'no runtime overrides are in force';
      this.logger.error({ file: this.file, problem }, `runtime config refused: ${problem}; ${kept}`);
      this.lastProblem = problem;
    }
    return problem;
  }

  /** Every tenant with limits of its own, as in force now (config file and runtime file). */
  overrides(): Overrides {
    return this.inForce;
  }

  /** Tenants the runtime file itself holds (merged limits), as last loaded. */
  runtimeOverrides(): Overrides {
    return this.fromFile;
  }

  /**
   * `/runtime_config` as Loki answers it: `overrides:` with each tenant's limits in force, or in
   * `diff` mode only what differs from the global limits. Undefined when nothing is configured
   * (no runtime file, no `overrides:`): Loki says the file does not exist.
   */
  render(mode: 'full' | 'diff'): Record<string, unknown> | undefined {
    if (this.file === '' && Object.keys(this.inForce).length === 0) return undefined;
    const global = this.limits;
    const overrides: Record<string, unknown> = {};
    for (const tenant of Object.keys(this.inForce).sort()) {
      const limits = this.inForce[tenant]!;
      overrides[tenant] = mode === 'diff' ? limitsDiff(limits, global) : limitsToYaml(limits);
    }
    return { overrides };
  }
}
