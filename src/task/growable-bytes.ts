// Bytes appended to a buffer that doubles when full: the slot's output encoders write into one.

const TEXT = new TextEncoder();

/** An appendable byte buffer; `bytes` and `view` change when it grows, so read them after `reserve`. */
export class GrowableBytes {
  bytes: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Room for `extra` more bytes. */
  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Appends the UTF-8 of `text`; returns its length in bytes. */
  text(text: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.reserve(text.length * 3);
    const { written } = TEXT.encodeInto(text, this.bytes.subarray(this.length));
    this.length += written;
    return written;
  }

  /** A copy of what was written. */
  written(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
