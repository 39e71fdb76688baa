// Markdown pieces that stay Markdown whatever text the results carry (labels, errors, commands).

/**
 * `text` as literal inline Markdown: line breaks become spaces, `&` an entity, and every character
 * that could start emphasis, a link, HTML or a table cell is backslash-escaped.
 *
 * @example mdText('a|b <i>') === 'a\\|b \\<i\\>'
 */
export function mdText(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/[\\`*_[\]<>|#~!]/g, '\\$&');
}

/** `text` in a fenced code block whose fence is longer than any run of backticks inside it. */
export function fenced(text: string, info: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** A column of a table: its heading and whether its cells are numbers (right-aligned). */
export type Column = { readonly heading: string; readonly numeric?: boolean };

/** A GFM table, one string per line; cells are escaped with `mdText`. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.map(mdText).join(' | ')} |`;
  return [
    line(columns.map((c) => c.heading)),
    `| ${columns.map((c) => (c.numeric === true ? '---:' : '---')).join(' | ')} |`,
    ...rows.map(line),
  ];
}
