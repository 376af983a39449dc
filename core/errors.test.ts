import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, isErrorCode, NornError } from './errors.js';

class ExampleError extends NornError {
  constructor(options?: { cause?: unknown }) {
    super('RATE_LIMITED', 'slow down', options);
  }
}

describe('NornError', () => {
  it('carries its code, the status the code means, its class name and its cause', () => {
    const cause = new Error('the bucket is empty');
    const error = new ExampleError({ cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, name: 'ExampleError', message: 'slow down' });
    expect(error.cause).toBe(cause);
  });

  it('declares a client or server error status for every code', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect([code, status >= 400 && status <= 599]).toEqual([code, true]);
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
  });

  it('knows its own codes only', () => {
    expect(isErrorCode('VALIDATION')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('ENOENT')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});
