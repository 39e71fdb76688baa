// `sluice doctor`: exercises every runtime dependency once (Kafka client, workers, msgpack, codecs).

import { readFileSync } from 'node:fs';
import { decode, encode } from '@msgpack/msgpack';
import kafkajs, { CompressionTypes } from 'kafkajs';
import { Piscina } from 'piscina';
import { type CodecReport, type KafkajsCodec, registerCodecs } from '../codecs/index.ts';
import { type KafkaSecurityConfig, loadKafkaSecurity } from '../config/index.ts';
import { packageFile, siblingModule, silentLogger } from '../core/index.ts';
import { createKafka } from '../kafka/index.ts';

export type DoctorReport = {
  readonly sluice: string;
  readonly node: string;
  readonly kafkajs: boolean;
  readonly workers: number;
  readonly msgpack: boolean;
  /** The LZ4 implementation in use: the native addon, or the pure-TypeScript fallback. */
  readonly lz4: CodecReport['lz4'];
  readonly snappy: CodecReport['snappy'];
  readonly zstd: CodecReport['zstd'];
  /** SLUICE_NATIVE as applied. */
  readonly native: CodecReport['native'];
  /** Every codec round-tripped a sample through kafkajs's codec interface. */
  readonly codecs: boolean;
  /** How clients would connect, from the security variables (whose files were read and loaded). */
  readonly kafkaSecurity: string;
};

/** `plaintext`, `tls`, `sasl-plain`, `tls+sasl-scram-sha-512`, …; `tls-insecure` when unchecked. */
export function securityMode(security: KafkaSecurityConfig): string {
  const tls = security.kafkaSsl ? (security.kafkaSslInsecure ? 'tls-insecure' : 'tls') : undefined;
  const sasl = security.kafkaSaslMechanism === undefined ? undefined : `sasl-${security.kafkaSaslMechanism}`;
  return [tls, sasl].filter((part) => part !== undefined).join('+') || 'plaintext';
}

export function sluiceVersion(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Exercises every runtime dependency once, so an installation missing one (say, a
 * production image built without dev dependencies) fails here rather than mid-stream.
 */
export async function doctor(env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  // Built as every command builds its client, so bad TLS files or secrets fail here too.
  const security = loadKafkaSecurity(env);
  const kafka = createKafka(
    { clientId: 'sluice-doctor', brokers: ['127.0.0.1:9'], ...security },
    silentLogger,
  );
  const sample = { key: 'k', values: [1, 2, 3] };
  const msgpack = JSON.stringify(decode(encode(sample))) === JSON.stringify(sample);
  const codecs = registerCodecs();
  const pool = new Piscina({
    filename: siblingModule('./doctor-worker.ts', import.meta.url).href,
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
      lz4: codecs.lz4,
      snappy: codecs.snappy,
      zstd: codecs.zstd,
      native: codecs.native,
      codecs: await codecsRoundTrip(),
      kafkaSecurity: securityMode(security),
    };
  } finally {
    await pool.destroy();
  }
}

async function codecsRoundTrip(): Promise<boolean> {
  const input = Buffer.from('sluice '.repeat(64));
  const table: Record<number, () => KafkajsCodec> = kafkajs.CompressionCodecs;
  const types = [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD];
  try {
    for (const type of types) {
      const codec = table[type]?.();
      if (!codec) return false;
      const back = await codec.decompress(await codec.compress({ buffer: input }));
      if (!back.equals(input)) return false;
    }
    return true;
  } catch {
    return false;
  }
}
