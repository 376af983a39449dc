import type { PatternMiningMode } from '../config.js';
import { DisabledPatternMiner, InlinePatternMiner, type PatternMiner } from './miner.js';
import { ThreadPatternMiner, type ThreadMinerOptions } from './thread-miner.js';

/** The miner for `ingester.pattern_mining`. */
export function createPatternMiner(mode: PatternMiningMode, options: ThreadMinerOptions = {}): PatternMiner {
  if (mode === 'off') return new DisabledPatternMiner();
  if (mode === 'inline') return new InlinePatternMiner(options.now);
  return new ThreadPatternMiner(options);
}
