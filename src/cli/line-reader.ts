// Lines of bytes from a stream, as kafka-console-producer reads its input: split at \n, a \r
// right before it dropped, the bytes kept as they are (text need not be UTF-8).

const LF = 0x0a;
const CR = 0x0d;

/** A line (numbered from 1) without its line end, or only its length when it was longer than allowed. */
export type Line =
  | { readonly number: number; readonly bytes: Buffer }
  | { readonly number: number; readonly tooLong: number };

/**
 * The lines of `input`, in order; a last line without a line end counts too. A line longer than
 * `maxBytes` is not kept: its bytes are counted and dropped as they arrive, so input without line
 * ends cannot fill the memory.
 *
 * @example
 * for await (const line of readLines(process.stdin, 1_048_576)) console.log(line.number);
 */
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  // Bytes of the line so far, kept or not, and whether its last byte was a \r.
  let length = 0;
  let endsInCr = false;
  let number = 0;
  const take = (piece: Buffer): void => {
    if (piece.length === 0) return;
    // One byte more than allowed is kept, for a \r that may end the line.
    if (length + piece.length <= maxBytes + 1) parts.push(piece);
    else parts = [];
    length += piece.length;
    endsInCr = piece[piece.length - 1] === CR;
  };
  const finish = (): Line => {
    number++;
    const size = endsInCr ? length - 1 : length;
    const line: Line =
      size > maxBytes
        ? { number, tooLong: size }
        : { number, bytes: Buffer.concat(parts, length).subarray(0, size) };
    parts = [];
    length = 0;
    endsInCr = false;
    return line;
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let end = bytes.indexOf(LF); end >= 0; end = bytes.indexOf(LF, start)) {
      take(bytes.subarray(start, end));
      yield finish();
      start = end + 1;
    }
    // Copied: a stream may hand out views of a buffer it reuses.
    take(Buffer.from(bytes.subarray(start)));
  }
  if (length > 0) yield finish();
}
