// The agent: discovers files, follows each from its saved position, runs its pipeline, batches
// the entries to every client, and saves a file's position once every client acknowledged its
// lines. Reading pauses while a client is far behind (the server is down or slow), so memory
// stays bounded and the file itself is the buffer.

import type { Logger } from 'pino';
import { Acks, FileProgress } from './acks.js';
import type { AgentConfig } from './config.js';
import { compileTargets, discover, type Target } from './discovery.js';
import { FileFollower } from './follower.js';
import { labelsKey } from './labels.js';
import { AgentMetrics } from './metrics.js';
import type { PipelineEntry } from './pipeline/entry.js';
import { buildStages, Pipeline } from './pipeline/pipeline.js';
import { Positions } from './positions.js';
import { PushClient } from './push-client.js';

interface Followed {
  readonly target: Target;
  follower: FileFollower;
  progress: FileProgress;
  pipeline: Pipeline;
  generation: number;
}

export interface AgentOptions {
  readonly shutdownTimeoutMs?: number;
}

export class Agent {
  readonly metrics = new AgentMetrics();
  private readonly positions: Positions;
  private readonly acks = new Acks();
  private readonly clients: PushClient[];
  private readonly matchers;
  private readonly followed = new Map<string, Followed>();
  private readonly timers: NodeJS.Timeout[] = [];
  private polling = false;
  private stopped = false;
  private lastNs = 0n;
  private generations = 0;

  constructor(
    private readonly config: AgentConfig,
    private readonly logger: Logger,
    private readonly options: AgentOptions = {},
  ) {
    this.positions = new Positions(config.positions.filename, { ignoreInvalidYaml: config.positions.ignoreInvalidYaml });
    this.matchers = compileTargets(config.scrapeConfigs);
    // Build every pipeline once now, so a bad stage stops the start rather than a file later.
    for (const scrape of config.scrapeConfigs) buildStages(scrape.pipelineStages, `scrape_configs.${scrape.jobName}.pipeline_stages`, () => undefined, this.clock);
    this.clients = config.clients.map(
      (client) => new PushClient(client, (ids) => this.acks.done(ids), (ids) => this.acks.done(ids), this.metrics, logger),
    );
  }

  private readonly clock = {
    nowMs: () => Date.now(),
    // Read times strictly increase, so two equal lines read at once stay two entries.
    nowNs: () => {
      const now = BigInt(Date.now()) * 1_000_000n;
      this.lastNs = now > this.lastNs ? now : this.lastNs + 1n;
      return this.lastNs;
    },
  };

  async start(): Promise<void> {
    await this.sync();
    this.timers.push(setInterval(() => void this.poll(), this.config.pollIntervalMs));
    this.timers.push(setInterval(() => void this.sync().catch((error: unknown) => this.logger.error({ err: error }, 'file discovery failed')), this.config.syncPeriodMs));
    this.timers.push(setInterval(() => this.savePositions(), this.config.positions.syncPeriodMs));
  }

  /** Files followed now, by path. */
  files(): string[] {
    return [...this.followed.keys()];
  }

  /** Re-globs: follows new files, forgets positions of files that are gone. */
  async sync(): Promise<void> {
    const targets = await discover(this.matchers);
    for (const target of targets) {
      if (this.followed.has(target.path)) continue;
      const saved = this.positions.get(target.path);
      try {
        const follower = await FileFollower.open(target.path, 0);
        // A saved offset counts only for the same file: one replaced while we were away is new.
        const offset = saved !== undefined && saved.identity === follower.identity ? saved.offset : 0;
        await follower.close();
        this.follow(target, await FileFollower.open(target.path, offset));
      } catch (error) {
        this.logger.warn({ path: target.path, err: error }, 'cannot open file');
      }
    }
    const live = new Set(targets.map((t) => t.path));
    for (const path of this.positions.paths()) if (!live.has(path) && !this.followed.has(path)) this.positions.delete(path);
    this.metrics.filesActive.set(this.followed.size);
  }

  private follow(target: Target, follower: FileFollower): void {
    const scrape = this.config.scrapeConfigs.find((s) => s.jobName === target.job)!;
    const generation = ++this.generations;
    const progress = new FileProgress(target.path, follower.identity, generation, (p, offset) => this.positions.set(p.path, p.generation, p.identity, offset));
    const stages = buildStages(scrape.pipelineStages, `scrape_configs.${scrape.jobName}.pipeline_stages`, (ids, reason) => {
      this.metrics.stageDropped.inc({ reason }, ids.length);
      this.acks.done(ids, true);
    }, this.clock);
    const pipeline = new Pipeline(stages, (entry) => this.send(entry));
    this.followed.set(target.path, { target, follower, progress, pipeline, generation });
    // Record where a newly found file starts, so one with nothing new still has a position. A
    // file that replaced a rotated one waits for its first acknowledgement: until then the
    // saved position is the old file's, and a restart reads the new file from its start.
    if (this.positions.get(target.path) === undefined) this.positions.set(target.path, generation, follower.identity, follower.readOffset);
    this.logger.info({ path: target.path, offset: follower.readOffset }, 'following file');
  }

  private send(entry: PipelineEntry): void {
    const key = labelsKey(entry.labels);
    for (const client of this.clients) client.add(key, { tsNs: entry.tsNs, line: entry.line, ids: entry.ids });
  }

  private behind(): boolean {
    return this.clients.some((client) => client.backlogBytes > 4 * client.config.batchSizeBytes);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const now = Date.now();
      for (const followed of [...this.followed.values()]) {
        if (this.behind()) break;
        await this.pollFile(followed);
        followed.pipeline.flush(now);
      }
      for (const client of this.clients) client.tick(now);
      this.metrics.pendingEntries.set(this.acks.size);
    } catch (error) {
      this.logger.error({ err: error }, 'reading files failed');
    } finally {
      this.polling = false;
    }
  }

  private async pollFile(followed: Followed): Promise<void> {
    const path = followed.target.path;
    const result = await followed.follower.poll(this.clients[0]!.config.batchSizeBytes);
    if (result.truncated === true) this.logger.info({ path }, 'file truncated (copytruncate): reading from the start');
    this.metrics.readBytes.inc({ path }, result.bytes);
    this.metrics.readLines.inc({ path }, result.lines.length);
    for (const read of result.lines) {
      const id = this.acks.add(followed.progress, read.endOffset, this.clients.length);
      const labels = { ...followed.target.labels };
      followed.pipeline.push({ labels, extracted: { ...labels }, tsNs: this.clock.nowNs(), line: read.line, ids: [id] });
    }
    if (result.ended !== undefined) {
      followed.pipeline.flush(Date.now(), true);
      await followed.follower.close();
      this.followed.delete(path);
      if (result.ended === 'rotated') {
        this.logger.info({ path }, 'file rotated: following the new file from its start');
        try {
          this.follow(followed.target, await FileFollower.open(path, 0));
        } catch (error) {
          this.logger.warn({ path, err: error }, 'cannot open the rotated file');
        }
      } else {
        this.logger.info({ path }, 'file removed: stopped following it');
      }
      this.metrics.filesActive.set(this.followed.size);
    }
  }

  private savePositions(): void {
    try {
      this.positions.save();
    } catch (error) {
      this.logger.error({ err: error, file: this.config.positions.filename }, 'cannot save positions');
    }
  }

  /** Stops reading, sends what was read (for at most the shutdown timeout), saves positions. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    while (this.polling) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const followed of this.followed.values()) followed.pipeline.flush(Date.now(), true);
    const deadline = Date.now() + (this.options.shutdownTimeoutMs ?? 10_000);
    await Promise.all(this.clients.map((client) => client.stop(deadline)));
    for (const followed of this.followed.values()) await followed.follower.close();
    this.savePositions();
  }
}
