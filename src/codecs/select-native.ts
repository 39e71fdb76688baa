// Picks native addons or pure implementations for LZ4 and Snappy per SLUICE_NATIVE, noting why.

import { createRequire } from 'node:module';
import { compressFrame, decompressFrame } from '../../native-free/lz4/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { Lz4, NativeMode, SnappyBlock } from './types.ts';

const require = createRequire(import.meta.url);

type Lz4Napi = typeof import('lz4-napi');
type SnappyNapi = typeof import('snappy');
/** snappyjs ships no types; these are the two functions we call (Buffer in, Buffer out). */
type SnappyJs = {
  compress(input: Buffer): Buffer;
  uncompress(input: Buffer): Buffer;
};

/** Loads a CommonJS module by name; a native addon's loader throws when no binary fits. */
export type ModuleLoader = (id: string) => unknown;

/** What was chosen for the native-or-not codecs, and why a native addon was passed over. */
export type Selection = {
  readonly mode: NativeMode;
  readonly lz4: Lz4;
  readonly snappy: SnappyBlock;
  /** Under `auto`: one entry per addon that did not load, with its loader's message. */
  readonly fallbacks: readonly string[];
};

/** A Buffer over the same bytes (no copy): the napi functions and kafkajs want Buffers. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `SLUICE_NATIVE` from the environment; `sluice run` has validated it with the rest of the config. */
export function nativeMode(env: NodeJS.ProcessEnv = process.env): NativeMode {
  const raw = env.SLUICE_NATIVE?.trim() ?? '';
  if (raw === '' || raw === 'auto') return 'auto';
  if (raw === 'off') return 'off';
  throw new SluiceError(
    ErrorCode.configInvalid,
    `SLUICE_NATIVE must be one of auto, off; got ${JSON.stringify(env.SLUICE_NATIVE)}`,
  );
}

const nativeFreeLz4: Lz4 = {
  implementation: 'native-free',
  compressFrame: (input) => asBuffer(compressFrame(input)),
  decompressFrame: (input) => asBuffer(decompressFrame(input)),
};

function napiLz4(binding: Lz4Napi): Lz4 {
  return {
    implementation: 'lz4-napi',
    compressFrame: (input) => binding.compressFrameSync(asBuffer(input)),
    decompressFrame: (input) => binding.decompressFrameSync(asBuffer(input)),
  };
}

function napiSnappy(binding: SnappyNapi): SnappyBlock {
  return {
    implementation: 'snappy',
    compress: (input) => binding.compressSync(input),
    // asBuffer: uncompressSync returns a string unless asked for a Buffer.
    uncompress: (input) => asBuffer(binding.uncompressSync(input, { asBuffer: true }) as Buffer),
  };
}

function jsSnappy(load: ModuleLoader): SnappyBlock {
  const snappyjs = load('snappyjs') as SnappyJs;
  return {
    implementation: 'snappyjs',
    compress: (input) => snappyjs.compress(asBuffer(input)),
    uncompress: (input) => snappyjs.uncompress(asBuffer(input)),
  };
}

/** Loads `id`, then proves it works on a sample: a binary that loads but cannot run counts as absent. */
function tryNative<T>(load: ModuleLoader, id: string, prove: (module: T) => void): T | string {
  try {
    const module = load(id) as T;
    prove(module);
    return module;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `${id} did not load: ${message.split('\n')[0]}`;
  }
}

const SAMPLE = Buffer.from('sluice '.repeat(32));

/**
 * Chooses each codec's implementation for `mode`: under `auto` the native addon when it loads
 * and round-trips a sample, otherwise the pure one; under `off` always the pure one.
 */
export function selectCodecs(mode: NativeMode, load: ModuleLoader = require): Selection {
  const fallbacks: string[] = [];
  let lz4 = nativeFreeLz4;
  let snappy: SnappyBlock | undefined;
  if (mode === 'auto') {
    const lz4Napi = tryNative<Lz4Napi>(load, 'lz4-napi', (binding) => {
      if (!binding.decompressFrameSync(binding.compressFrameSync(SAMPLE)).equals(SAMPLE)) {
        throw new Error('round trip changed the bytes');
      }
    });
    if (typeof lz4Napi === 'string') fallbacks.push(lz4Napi);
    else lz4 = napiLz4(lz4Napi);
    const snappyNapi = tryNative<SnappyNapi>(load, 'snappy', (binding) => {
      const back = binding.uncompressSync(binding.compressSync(SAMPLE), { asBuffer: true });
      if (!Buffer.isBuffer(back) || !back.equals(SAMPLE)) throw new Error('round trip changed the bytes');
    });
    if (typeof snappyNapi === 'string') fallbacks.push(snappyNapi);
    else snappy = napiSnappy(snappyNapi);
  }
  return { mode, lz4, snappy: snappy ?? jsSnappy(load), fallbacks };
}

let current: Selection | undefined;

/** The process's selection, made on first use: for `mode`, by default `SLUICE_NATIVE`'s. */
export function selection(mode?: NativeMode): Selection {
  current ??= selectCodecs(mode ?? nativeMode());
  return current;
}

/**
 * The LZ4 frame codec every LZ4 use in Sluice goes through (Kafka batches now, checkpoints
 * later), so `SLUICE_NATIVE` governs all of them.
 *
 * @example
 * const frame = lz4().compressFrame(bytes); lz4().decompressFrame(frame); // bytes again
 */
export function lz4(): Lz4 {
  return selection().lz4;
}

/** The raw Snappy block codec, chosen the same way as `lz4()`. */
export function snappyBlock(): SnappyBlock {
  return selection().snappy;
}
