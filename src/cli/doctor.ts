import { readFileSync } from 'node:fs';
import { decode, encode } from '@msgpack/msgpack';
import { Kafka } from 'kafkajs';
import { Piscina } from 'piscina';

export type DoctorReport = {
  readonly sluice: string;
  readonly node: string;
  readonly kafkajs: boolean;
  readonly workers: number;
  readonly msgpack: boolean;
  readonly lz4: 'native' | 'unavailable';
};

export function sluiceVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Exercises every runtime dependency once, so an installation missing one (say, a
 * production image built without dev dependencies) fails here rather than mid-stream.
 */
export async function doctor(): Promise<DoctorReport> {
  const kafka = new Kafka({ clientId: 'sluice-doctor', brokers: ['127.0.0.1:9'] });
  const sample = { key: 'k', values: [1, 2, 3] };
  const msgpack = JSON.stringify(decode(encode(sample))) === JSON.stringify(sample);
  const pool = new Piscina({
    filename: new URL('./doctor-worker.ts', import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
  });
  try {
    const workers = (await pool.run(21)) as number;
    return {
      sluice: sluiceVersion(),
      node: process.version,
      kafkajs: typeof kafka.consumer === 'function',
      workers: workers === 42 ? 1 : 0,
      msgpack,
      lz4: await nativeLz4(),
    };
  } finally {
    await pool.destroy();
  }
}

async function nativeLz4(): Promise<'native' | 'unavailable'> {
  try {
    const lz4 = await import('lz4-napi');
    const input = Buffer.from('sluice '.repeat(64));
    const roundTrip = lz4.uncompressSync(lz4.compressSync(input));
    return Buffer.compare(roundTrip, input) === 0 ? 'native' : 'unavailable';
  } catch {
    return 'unavailable';
  }
}
