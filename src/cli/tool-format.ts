/**
 * A plain-text table: columns left-aligned, two spaces apart, no trailing spaces, one line per row
 * after the header.
 *
 * @example
 * table(['TOPIC', 'LAG'], [['clicks', '5']]); // 'TOPIC   LAG\nclicks  5'
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    rows.reduce((width, row) => Math.max(width, (row[column] ?? '').length), title.length),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Kafka's convention, followed by its own topics (`__consumer_offsets`, `__transaction_state`, …). */
export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}
