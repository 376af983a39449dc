// The compactor: index compaction, retention and the single active compactor (see README.md).

export { Compactor } from './compactor.js';
export type { CompactorOptions, CompactorTask, CompactorTaskContext, Leadership, RunSummary } from './compactor.js';
export { DEFAULT_COMPACTOR } from './config.js';
export type { CompactorConfig } from './config.js';
export { LeaderLease } from './lease.js';
export type { LeaderLeaseOptions, LeaseRecord } from './lease.js';
export { DeletionMarks, MARKS_PREFIX } from './marks.js';
export type { SweepResult } from './marks.js';
export { Retention, RetentionPolicy } from './retention.js';
export type { RetentionOptions, RetentionResult } from './retention.js';
export { compactorMetrics } from './metrics.js';
export type { CompactorMetrics } from './metrics.js';
export { startCompactor } from './module.js';
export type { CompactorModuleDeps, RunningCompactor } from './module.js';
