// Each group's evaluation state, saved after every evaluation: alerts with their pending and
// firing times, and each rule's health. A ruler that restarts, or takes over a group from one
// that died, resumes from it: a pending alert keeps its `activeAt`, a resolved one is not sent
// as firing again. In a cluster the state lives in a bus KV bucket; a single process with its
// embedded bus keeps it in the object store, which outlives the process.

import type { KvStore } from '../../bus/bus.js';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import type { ActiveAlert } from './alert-state.js';
import type { GroupKey } from './group.js';

export type RuleHealth = 'ok' | 'err' | 'unknown';

export interface SavedRuleState {
  /** `<index>:<kind>:<name>`: a rule keeps its state while it keeps its place and name. */
  readonly id: string;
  readonly health: RuleHealth;
  readonly lastError: string;
  readonly lastEvaluationMs: number;
  readonly evaluationSeconds: number;
  readonly alerts: readonly ActiveAlert[];
}

export interface SavedGroupState {
  readonly lastEvaluationMs: number;
  readonly evaluationSeconds: number;
  readonly rules: readonly SavedRuleState[];
  /** The ruler that saved it, for operators. */
  readonly ruler: string;
}

export interface GroupStateStore {
  load(key: GroupKey): Promise<SavedGroupState | undefined>;
  save(key: GroupKey, state: SavedGroupState): Promise<void>;
  delete(key: GroupKey): Promise<void>;
}

const kvKey = (key: GroupKey): string => `${key.tenant}/${key.namespace}/${key.group}`;

export class KvGroupStateStore implements GroupStateStore {
  constructor(private readonly kv: KvStore<SavedGroupState>) {}

  async load(key: GroupKey): Promise<SavedGroupState | undefined> {
    return (await this.kv.get(kvKey(key)))?.value ?? undefined;
  }

  async save(key: GroupKey, state: SavedGroupState): Promise<void> {
    await this.kv.put(kvKey(key), state);
  }

  async delete(key: GroupKey): Promise<void> {
    await this.kv.delete(kvKey(key));
  }
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url') || '=';
const objectKey = (key: GroupKey): string => `~ruler/state/${b64(key.tenant)}/${b64(key.namespace)}/${b64(key.group)}`;

export class ObjectGroupStateStore implements GroupStateStore {
  constructor(private readonly store: ObjectStore) {}

  async load(key: GroupKey): Promise<SavedGroupState | undefined> {
    try {
      return JSON.parse(new TextDecoder().decode(await this.store.get(objectKey(key)))) as SavedGroupState;
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  async save(key: GroupKey, state: SavedGroupState): Promise<void> {
    await this.store.put(objectKey(key), new TextEncoder().encode(JSON.stringify(state)));
  }

  async delete(key: GroupKey): Promise<void> {
    await this.store.delete(objectKey(key));
  }
}
