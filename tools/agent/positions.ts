// Where each followed file was read up to, saved in Promtail's positions file format
// (`positions: {path: "offset"}`) plus the file's identity (`inodes: {path: "dev:ino"}`), so a
// file replaced while the agent was down is read from its start, not from the old file's
// offset. The offset is that of the last line the server acknowledged, never just read, and
// the file is written atomically (temp file + rename).

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';
import { AgentConfigError } from './errors.js';

export interface Position {
  /** `dev:ino` of the file the offset belongs to. */
  readonly identity: string;
  readonly offset: number;
}

export class Positions {
  private readonly entries = new Map<string, Position & { generation: number }>();
  private dirty = false;

  constructor(
    readonly filename: string,
    options: { ignoreInvalidYaml?: boolean } = {},
  ) {
    let text: string;
    try {
      text = readFileSync(filename, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new AgentConfigError(`positions file ${filename}: ${(error as Error).message}`, { cause: error });
    }
    let raw: { positions?: Record<string, string>; inodes?: Record<string, string> } | null;
    try {
      raw = parse(text) as typeof raw;
    } catch (cause) {
      if (options.ignoreInvalidYaml === true) return;
      throw new AgentConfigError(`positions file ${filename} is not valid YAML (set positions.ignore_invalid_yaml to start afresh)`, { cause });
    }
    for (const [path, offset] of Object.entries(raw?.positions ?? {})) {
      const value = Number(offset);
      if (Number.isSafeInteger(value) && value >= 0) this.entries.set(path, { identity: raw?.inodes?.[path] ?? '', offset: value, generation: 0 });
    }
  }

  get(path: string): Position | undefined {
    return this.entries.get(path);
  }

  /**
   * Records an acknowledged offset. A file that replaced another at the same path has a higher
   * `generation`: late acknowledgements of the old file's lines do not move the new one back.
   */
  set(path: string, generation: number, identity: string, offset: number): void {
    const current = this.entries.get(path);
    if (current !== undefined && current.generation > generation) return;
    this.entries.set(path, { identity, offset, generation });
    this.dirty = true;
  }

  delete(path: string): void {
    if (this.entries.delete(path)) this.dirty = true;
  }

  paths(): string[] {
    return [...this.entries.keys()];
  }

  save(): void {
    if (!this.dirty) return;
    const positions: Record<string, string> = {};
    const inodes: Record<string, string> = {};
    for (const [path, entry] of [...this.entries].sort(([a], [b]) => a.localeCompare(b))) {
      positions[path] = String(entry.offset);
      inodes[path] = entry.identity;
    }
    mkdirSync(dirname(this.filename), { recursive: true });
    const temp = `${this.filename}.${process.pid}.tmp`;
    writeFileSync(temp, stringify({ positions, inodes }));
    renameSync(temp, this.filename);
    this.dirty = false;
  }
}
