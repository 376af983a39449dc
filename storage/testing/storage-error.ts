// Test support: the StorageError a promise rejects with (failing the test when it resolves, or
// rejects with anything else).

import { expect } from 'vitest';
import { StorageError } from '../object-store.js';

export async function storageErrorOf(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}
