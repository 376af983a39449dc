// `norn canary`, and the checking logic it shares with the chaos suite (test/chaos).

export { Canary, summaryLine, type CanaryOptions, type CanarySummary } from './canary.js';
export { runCanaryCommand } from './command.js';
export { checkQueue, availabilityBetween, availabilityOf, type QueueCheck, type Availability, type CheckOptions } from './checker.js';
export { readBack, type ReadBackOptions, type ReadBackResult } from './read-back.js';
export { seqOf, type ObservedEntry, type Outcome, type WriteRecord, type WrittenLine } from './line.js';
