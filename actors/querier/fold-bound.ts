// How far back the store scan may fold samples (`logql/engine/sample-fold.ts`): folded samples
// carry no entry hash, so they must hold no entry another source also sends. The ingesters are
// the other sources; each says, from its chunks' metadata (the `oldestEntry` request: nothing is
// decompressed), the oldest entry it holds of the selected streams in the range. Store entries
// older than every such entry are in no ingester's answer and fold. An ingester that does not
// answer leaves the bound unknown: nothing folds. The ingesters' sample answers are checked
// against the bound as they arrive (`entriesBefore`), so an entry taken in between (a handoff, a
// late retry of a flushed line) costs a second, unfolded selection, never a double count.

import type { Bus } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import { compileSampleExpr } from '../../logql/mod.js';
import { matchersToString } from '../../logql/syntax/printer.js';
import type { SampleColumns, SelectSamplesParams } from '../../logql/types.js';
import type { IngesterQueryFrame, IngesterQueryRequest } from '../ingester/protocol.js';

/** How a metric selection's store scan went, for `norn_querier_store_folds_total`. */
export type FoldOutcome = 'folded' | 'unfolded' | 'conflict';

/** The `foldBefore` for the store scan, or undefined when any of `members` leaves it unknown. */
export async function foldBound(
  bus: Bus,
  members: readonly { readonly id: string }[],
  params: SelectSamplesParams,
  timeoutMs: number,
): Promise<bigint | undefined> {
  const selector = matchersToString(compileSampleExpr(params.expr).expr.range.selector.matchers);
  const request: IngesterQueryRequest = { kind: 'oldestEntry', params: { tenant: params.tenant, start: params.start, end: params.end, query: selector } };
  try {
    const oldest = await Promise.all(
      members.map(async (member) => {
        let min = params.end;
        let answered = false;
        for await (const frame of bus.requestStream<IngesterQueryFrame>(subjects.ingesterQuery(member.id), request, { timeoutMs })) {
          if (frame.oldestEntry === undefined) continue;
          answered = true;
          if (frame.oldestEntry !== null && BigInt(frame.oldestEntry) < min) min = BigInt(frame.oldestEntry);
        }
        // An ingester that did not understand the question (an older one) holds who knows what.
        if (!answered) throw new Error(`ingester ${member.id} did not say what it holds`);
        return min;
      }),
    );
    return oldest.reduce((a, b) => (b < a ? b : a), params.end);
  } catch {
    return undefined;
  }
}

/** Whether an ingester's samples hold one older than the bound the store folded with. */
export function entriesBefore(columns: SampleColumns, bound: bigint): boolean {
  // In time order: the first is the oldest.
  return columns.ts.length > 0 && columns.ts[0]! < bound;
}
