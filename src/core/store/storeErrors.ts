/** A blob whose bytes do not hash to (or are not the size of) the digest it was written for. */
export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string, detail = '') {
    super(`content does not match its digest: expected ${expected}, got ${actual}${detail ? ` (${detail})` : ''}; nothing was stored`);
    this.name = 'DigestMismatchError';
  }
}

export class BlobNotFoundError extends Error {
  constructor(readonly digest: string) {
    super(`blob ${digest} is not in the image store (run "stevedore fsck" if an image refers to it)`);
    this.name = 'BlobNotFoundError';
  }
}

/** A request the store cannot carry out as asked: unknown image, ambiguous id, bad archive. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
