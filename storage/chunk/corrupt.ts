// The error every reader of a chunk's bytes fails with: CORRUPT_CHUNK, naming the section (`metas`,
// `block 3`) and what is wrong with it.

import { StorageError } from '../object-store.js';

export function corruptChunk(section: string, what: string): StorageError {
  return new StorageError('CORRUPT_CHUNK', `corrupt chunk: ${section} ${what}`);
}
