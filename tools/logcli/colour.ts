// Terminal colours: on only when the stream is a TTY and NO_COLOR is unset (no-color.org),
// each label set in one colour chosen by its hash, so a stream keeps its colour line to line.

const PALETTE = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

export interface Painter {
  readonly enabled: boolean;
  labels(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function painter(isTTY: boolean, env: NodeJS.ProcessEnv): Painter {
  const enabled = isTTY && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '') && env['TERM'] !== 'dumb';
  const wrap = (code: number, text: string): string => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    enabled,
    labels: (text) => wrap(PALETTE[hash(text) % PALETTE.length]!, text),
    dim: (text) => wrap(2, text),
    bold: (text) => wrap(1, text),
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
