// Log levels as Grafana colours them: what the histogram stacks and the line's marker shows.

export const LEVEL_ORDER = ['critical', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'] as const;

const ALIASES: Record<string, string> = {
  crit: 'critical', fatal: 'critical', panic: 'critical', emerg: 'critical', alert: 'critical',
  err: 'error', eror: 'error', warning: 'warn', wrn: 'warn', information: 'info', inf: 'info', notice: 'info',
  dbug: 'debug', dbg: 'debug', trc: 'trace',
};

export function normalizeLevel(level: string | undefined): string {
  if (level === undefined || level === '') return 'unknown';
  const lower = level.toLowerCase();
  const name = ALIASES[lower] ?? lower;
  return (LEVEL_ORDER as readonly string[]).includes(name) ? name : 'unknown';
}

export const LEVEL_COLOR: Record<string, string> = {
  critical: '#a855f7',
  error: '#e5484d',
  warn: '#f5a524',
  info: '#30a46c',
  debug: '#3b82f6',
  trace: '#6e56cf',
  unknown: '#8b8d98',
};

export function levelRank(level: string): number {
  const index = (LEVEL_ORDER as readonly string[]).indexOf(level);
  return index < 0 ? LEVEL_ORDER.length : index;
}
