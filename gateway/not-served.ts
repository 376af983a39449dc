// What the Loki API answers on a process that runs only the ingester role: a clear 404 naming
// where to send the request, instead of a silent failure.

import type { PushService } from '../actors/distributor/api.js';
import type { QueryService } from '../actors/querier/api.js';
import { NornError } from '../core/errors.js';

export class NotServedError extends NornError {
  constructor() {
    super('NOT_SERVED', 'this process runs the ingester target only: send pushes and queries to a gateway');
  }
}

const refuse = async (): Promise<never> => {
  throw new NotServedError();
};

export const NOT_A_GATEWAY: { readonly push: PushService; readonly query: QueryService } = {
  push: { push: refuse },
  query: { query: refuse, labelNames: refuse, labelValues: refuse, series: refuse, indexStats: refuse, volume: refuse },
};
