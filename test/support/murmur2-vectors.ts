import { readFileSync } from 'node:fs';

/** One input of test/fixtures/murmur2-java-vectors.json, as kafka-clients hashed and placed it. */
export type JavaVector = {
  readonly label: string;
  readonly hex: string;
  readonly murmur2: number;
  readonly partitions: Readonly<Record<string, number>>;
  readonly partitionForKey: Readonly<Record<string, number>>;
};

/** The whole output of test/fixtures/Murmur2Vectors.java. */
export type JavaVectors = {
  readonly generatedBy?: string;
  readonly kafkaVersion: string;
  readonly partitionCounts: readonly number[];
  readonly vectors: readonly JavaVector[];
};

export const VECTORS_FILE = new URL('../fixtures/murmur2-java-vectors.json', import.meta.url);

export function readJavaVectors(text = readFileSync(VECTORS_FILE, 'utf8')): JavaVectors {
  return JSON.parse(text) as JavaVectors;
}
