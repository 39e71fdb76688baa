// Formatting for the dashboard: ISO-8601 times in UTC and 24 h, never the browser's locale.

/** `2026-12-07T10:28:53.120Z` → `2026-12-07 10:28:53Z`: ISO-8601, UTC, to the second. */
export function isoTime(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** The time of day of `ms` in UTC, `10:28:53`: chart axes. */
export function clock(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}

/** A duration in ms as `3 d 04:05:06`, `04:05:06` or `812 ms`. */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  const hms = new Date((seconds % 86400) * 1000).toISOString().slice(11, 19);
  return days > 0 ? `${days} d ${hms}` : hms;
}

/** Milliseconds to three decimals at most, as the API gives them. */
export function ms(value) {
  return value === null || value === undefined ? '–' : `${Math.round(value * 1000) / 1000} ms`;
}

export function bytes(value) {
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

/** An element with text and optional class and data attributes. */
export function element(tag, text, className, data) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  if (data) Object.assign(node.dataset, data);
  return node;
}

/** A table body's rows from `rows`, each a list of cells (text, or [text, class]). */
export function fillTable(selector, rows, data = () => ({})) {
  const body = document.querySelector(`${selector} tbody`);
  const trs = rows.map((cells, index) => {
    const tr = element('tr', undefined, undefined, data(index));
    for (const cell of cells) {
      const [text, className] = Array.isArray(cell) ? cell : [cell, undefined];
      tr.append(element('td', String(text), className));
    }
    return tr;
  });
  // biome-ignore lint/plugin/no-data-sized-spread: bounded by the API (history, partitions, plan)
  body.replaceChildren(...trs);
}

export function range(r) {
  return `${r.topic}-${r.partition}: [${r.fromOffset}, ${r.untilOffset}) ${BigInt(r.untilOffset) - BigInt(r.fromOffset)}`;
}
