// Population variance (Welford's method, stable for large values), as Prometheus computes
// stdvar; stddev is its square root. Shared by range and vector aggregations.

export function variance(values: readonly number[]): number {
  let mean = 0;
  let m2 = 0;
  let n = 0;
  for (const v of values) {
    n++;
    const delta = v - mean;
    mean += delta / n;
    m2 += delta * (v - mean);
  }
  return m2 / n;
}
