// getRange's argument rules, shared by the stores: a range past the end is cut short, one
// starting at or past the end is empty (S3 would answer 416; an empty read is what callers need).

export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`getRange: offset must be a non-negative integer, got ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`getRange: length must be a non-negative integer, got ${length}`);
}

export function sliceRange(data: Uint8Array, offset: number, length: number): Uint8Array {
  checkRange(offset, length);
  return data.subarray(Math.min(offset, data.length), Math.min(offset + length, data.length));
}
