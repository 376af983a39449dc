// Shapes of Loki's HTTP API answers, as the UI reads them.

export type Labels = Record<string, string>;

/** One value of a streams answer; the third element comes with `categorize-labels`. */
export type StreamValue = [string, string] | [string, string, { structuredMetadata?: Labels; parsed?: Labels }];

export interface StreamResult {
  stream: Labels;
  values: StreamValue[];
}

export interface MatrixSeries {
  metric: Labels;
  values: Array<[number, string]>;
}

export interface VectorSample {
  metric: Labels;
  value: [number, string];
}

export type QueryData =
  | { resultType: 'streams'; result: StreamResult[]; encodingFlags?: string[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'scalar'; result: [number, string] };

export interface RingMember {
  id: string;
  state: string;
  healthy: boolean;
  zone?: string;
  tokens?: number;
  heartbeatAgeMs?: number;
  registeredAt?: string;
  addr?: string;
  [key: string]: unknown;
}

export interface RingStatus {
  replicationFactor?: number;
  heartbeatTimeoutMs?: number;
  members?: RingMember[];
  [key: string]: unknown;
}

export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  goVersion?: string;
}
