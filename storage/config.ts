// Where chunks and the index live: a directory, or an S3 bucket.

export interface StorageConfig {
  readonly dataDir: string;
  readonly s3?: {
    readonly endpoint: string;
    readonly bucket: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly region: string;
  };
  /** How long a querier trusts a listing of the index before listing again. */
  readonly indexCacheMs: number;
}
