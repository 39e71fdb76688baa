// SLUICE_NATIVE: which LZ4 and snappy implementations run, and the one line that says so.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type CodecLog, logSelection, nativeMode, selectCodecs } from '../../src/codecs/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';

type Line = { level: 'info' | 'warn'; object: object; message: string };

function recorder(): { log: CodecLog; lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    log: {
      info: (object, message) => void lines.push({ level: 'info', object, message }),
      warn: (object, message) => void lines.push({ level: 'warn', object, message }),
    },
  };
}

const requireReal = createRequire(import.meta.url);

/** A loader on which no native addon loads, the way napi-rs loaders fail without a binary. */
const withoutNative = (id: string): unknown => {
  if (id === 'lz4-napi' || id === 'snappy') {
    throw new Error('Cannot find native binding. npm has a bug related to optional dependencies\nmore');
  }
  return requireReal(id);
};

describe('selectCodecs', () => {
  it('auto: the native addons, here where they load', () => {
    const chosen = selectCodecs('auto');
    expect([chosen.mode, chosen.lz4.implementation, chosen.snappy.implementation]).toEqual([
      'auto',
      'lz4-napi',
      'snappy',
    ]);
    expect(chosen.fallbacks).toEqual([]);
  });

  it('off: the pure implementations, without trying the addons', () => {
    const tried: string[] = [];
    const chosen = selectCodecs('off', (id) => {
      tried.push(id);
      return requireReal(id);
    });
    expect([chosen.mode, chosen.lz4.implementation, chosen.snappy.implementation]).toEqual([
      'off',
      'native-free',
      'snappyjs',
    ]);
    expect(tried).toEqual(['snappyjs']);
    expect(chosen.fallbacks).toEqual([]);
  });

  it("auto without a loadable addon: the pure implementations, with the loaders' first lines as reasons", () => {
    const chosen = selectCodecs('auto', withoutNative);
    expect([chosen.lz4.implementation, chosen.snappy.implementation]).toEqual(['native-free', 'snappyjs']);
    expect(chosen.fallbacks).toEqual([
      'lz4-napi did not load: Cannot find native binding. npm has a bug related to optional dependencies',
      'snappy did not load: Cannot find native binding. npm has a bug related to optional dependencies',
    ]);
  });

  it('auto with an addon that loads but does not round-trip: treated as absent', () => {
    const broken = { compressFrameSync: (b: Buffer) => b, decompressFrameSync: () => Buffer.alloc(0) };
    const chosen = selectCodecs('auto', (id) => (id === 'lz4-napi' ? broken : requireReal(id)));
    expect(chosen.lz4.implementation).toBe('native-free');
    expect(chosen.fallbacks).toEqual(['lz4-napi did not load: round trip changed the bytes']);
  });
});

describe('logSelection: one line saying which', () => {
  it('auto with the addons: one info line', () => {
    const { log, lines } = recorder();
    logSelection(log, selectCodecs('auto'));
    expect(lines).toEqual([
      {
        level: 'info',
        object: {
          codecs: { native: 'auto', lz4: 'lz4-napi', snappy: 'snappy', zstd: 'node:zlib', gzip: 'node:zlib' },
        },
        message:
          'compression codecs: lz4 via lz4-napi, snappy via snappy, zstd via node:zlib, gzip via node:zlib (SLUICE_NATIVE=auto)',
      },
    ]);
  });

  it('off: one info line naming the pure implementations', () => {
    const { log, lines } = recorder();
    logSelection(log, selectCodecs('off'));
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      [
        'info',
        'compression codecs: lz4 via native-free, snappy via snappyjs, zstd via node:zlib, gzip via node:zlib (SLUICE_NATIVE=off)',
      ],
    ]);
  });

  it('auto falling back: one warn line with the reasons', () => {
    const { log, lines } = recorder();
    logSelection(log, selectCodecs('auto', withoutNative));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.message).toBe(
      'compression codecs: lz4 via native-free, snappy via snappyjs, zstd via node:zlib, gzip via node:zlib (SLUICE_NATIVE=auto)',
    );
    expect(lines[0]?.object).toMatchObject({
      fallbacks: [expect.stringMatching(/^lz4-napi did not load/), expect.anything()],
    });
  });
});

describe('nativeMode', () => {
  it('reads SLUICE_NATIVE: unset or empty is auto', () => {
    expect([
      nativeMode({}),
      nativeMode({ SLUICE_NATIVE: '' }),
      nativeMode({ SLUICE_NATIVE: ' off ' }),
    ]).toEqual(['auto', 'auto', 'off']);
  });

  it('refuses anything else, naming the allowed values', () => {
    let message = '';
    try {
      nativeMode({ SLUICE_NATIVE: 'on' });
    } catch (error) {
      if (isSluiceError(error, 'SLUICE_CONFIG_INVALID')) message = error.message;
    }
    expect(message).toBe('SLUICE_NATIVE must be one of auto, off; got "on"');
  });
});

describe('sluice doctor reports the LZ4 implementation in use', () => {
  const doctor = (env: Record<string, string>) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')),
    );
    const result = spawnSync(process.execPath, ['bin/sluice.js', 'doctor'], {
      env: { ...clean, ...env },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    return [report.native, report.lz4, report.snappy, report.codecs];
  };

  it('auto: lz4-napi; off: native-free; auto where no binary loads: native-free', () => {
    expect(doctor({})).toEqual(['auto', 'lz4-napi', 'snappy', true]);
    expect(doctor({ SLUICE_NATIVE: 'off' })).toEqual(['off', 'native-free', 'snappyjs', true]);
    // napi-rs loaders try only this path when it is set, so no binary loads.
    expect(doctor({ NAPI_RS_NATIVE_LIBRARY_PATH: '/nonexistent.node' })).toEqual([
      'auto',
      'native-free',
      'snappyjs',
      true,
    ]);
  });
});
