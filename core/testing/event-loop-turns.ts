// For tests of cooperative scans (time-slice.ts): how often the event loop got round to other
// work while a scan ran. A scan that never gives the loop back finishes with the count at 0.

export async function countingTurns<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const value = await work();
    return { value, turns };
  } finally {
    running = false;
  }
}
