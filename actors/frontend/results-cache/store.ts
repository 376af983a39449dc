// Where cached extents are kept: text values under short keys. A store may forget anything at
// any time (it is a cache); a failing store never fails a query.

export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}
