export { DisabledPatternMiner, InlinePatternMiner } from './miner.js';
export type { PatternMiner, PatternQueryRange } from './miner.js';
export { ThreadPatternMiner, type ThreadMinerOptions } from './thread-miner.js';
export { createPatternMiner } from './create.js';
