/** JSON for results: bigint as a decimal string, byte arrays as UTF-8 text. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'bigint') return inner.toString();
    if (inner instanceof Uint8Array)
      return Buffer.from(inner.buffer, inner.byteOffset, inner.byteLength).toString('utf8');
    return inner;
  });
}
