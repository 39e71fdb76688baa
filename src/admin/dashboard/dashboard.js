// The dashboard at `/`: polls the admin API and draws it with uPlot and plain DOM. Plain JS,
// served as it is: no build step, and the browser never sees TypeScript.
import { clock, element, isoTime, range } from './format.js';
import {
  drawDrilldown,
  drawEnvironment,
  drawFailure,
  drawHeader,
  drawPartitions,
  drawState,
} from './panels.js';
import uPlot from './vendor/uplot.js';

const POLL_MS = 1000;
// Lag and utilisation exist only as samples taken by this page: five minutes at one per second.
const SAMPLES = 300;
const HEIGHT = 180;
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** The charts by name, for tests and the console: `sluiceDashboard.charts.lag.data`. */
const charts = {};
const state = { charts, polls: 0, job: undefined };
window.sluiceDashboard = state;

const percent = (_u, values) => values.map((v) => `${Math.round(v * 100)}%`);
// Axes in UTC and 24 h: uPlot's own follow the browser's locale.
const times = (_u, values) => values.map((v) => clock(v * 1000));
const epochTimes = (_u, values) => values.map((v) => clock(v));

/** Draws `data` ([x, ...one array per label]) into the chart `name`, rebuilt when the labels change. */
function draw(name, labels, data, options = {}) {
  const old = charts[name];
  if (
    old &&
    old.series.length - 1 === labels.length &&
    labels.every((l, i) => old.series[i + 1].label === l)
  ) {
    old.setData(data);
    return;
  }
  old?.destroy();
  const figure = document.getElementById(`chart-${name}`);
  charts[name] = new uPlot(
    {
      width: figure.clientWidth - 16,
      height: HEIGHT,
      scales: { x: { time: true }, ...(options.scales ?? {}) },
      series: [
        { value: (_u, v) => (v === null ? '–' : clock(v * 1000)) },
        ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 1.5 })),
      ],
      axes: [{ values: times }, { size: 64, ...(options.axis ?? {}) }],
      // One series is named by the caption; a legend only tells several apart.
      legend: { show: labels.length > 1, live: false },
    },
    data,
    figure,
  );
}

/** Samples over time whose set of series can change (partitions come and go with rebalances). */
function sampler() {
  const x = [];
  const series = new Map();
  return {
    add(time, entries) {
      x.push(time);
      for (const [label] of entries) {
        if (!series.has(label)) series.set(label, new Array(x.length - 1).fill(null));
      }
      const now = new Map(entries);
      for (const [label, values] of series) values.push(now.get(label) ?? null);
      if (x.length > SAMPLES) {
        x.shift();
        for (const values of series.values()) values.shift();
      }
    },
    labels: () => [...series.keys()],
    data: () => [x, ...series.values()],
  };
}

const lag = sampler();
const lagTime = sampler();
const slots = sampler();

function drawBatches(batches) {
  const oldest = batches.toReversed();
  const x = oldest.map((b) => b.time / 1000);
  // Spark's input rate: the records of a batch over the time since the one before.
  const rate = oldest.map((b, i) => {
    const gap = i > 0 ? b.time - oldest[i - 1].time : 0;
    return gap > 0 ? (b.records.consumed * 1000) / gap : null;
  });
  draw('inputRate', ['records/s'], [x, rate]);
  draw('schedulingDelay', ['ms'], [x, oldest.map((b) => b.schedulingDelayMs)]);
  draw('processingTime', ['ms'], [x, oldest.map((b) => b.processingMs)]);
  draw('totalDelay', ['ms'], [x, oldest.map((b) => b.totalDelayMs)]);
  // A batch without records has no latency: a gap, not a zero.
  const latency = (pick) => oldest.map((b) => (b.latency ? pick(b.latency) : null));
  draw(
    'latency',
    ['p50', 'p99', 'max'],
    [x, latency((l) => l.p50Ms), latency((l) => l.p99Ms), latency((l) => l.maxMs)],
  );
  // The engine's watermark each batch ran with; a gap before any event time.
  draw('watermark', ['watermark'], [x, oldest.map((b) => b.watermark)], {
    axis: { values: epochTimes, size: 72 },
  });
  draw(
    'lateDeadLettered',
    ['late', 'dead-lettered'],
    [x, oldest.map((b) => b.records.late), oldest.map((b) => b.records.deadLettered)],
  );
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function drawTable(batches) {
  const body = document.querySelector('#batches tbody');
  const rows = batches.map((b) => {
    const row = document.createElement('tr');
    row.dataset.batchId = String(b.batchId);
    row.dataset.records = String(b.records.consumed);
    row.dataset.time = String(b.time);
    row.dataset.late = String(b.records.late);
    if (b.watermark !== null) row.dataset.watermark = String(b.watermark);
    row.addEventListener('click', () => openBatch(b.batchId));
    cell(row, String(b.batchId));
    cell(row, isoTime(b.time));
    cell(row, String(b.records.consumed), 'num');
    cell(row, `${b.schedulingDelayMs} ms`, 'num');
    cell(row, `${b.processingMs} ms`, 'num');
    cell(row, `${b.totalDelayMs} ms`, 'num');
    cell(row, b.latency ? `${b.latency.p99Ms} ms` : '–', 'num');
    cell(row, String(b.records.late), 'num');
    cell(row, String(b.records.deadLettered), 'num');
    if (b.latency)
      Object.assign(row.dataset, { p50: b.latency.p50Ms, p99: b.latency.p99Ms, max: b.latency.maxMs });
    const ranges = cell(row, '', 'ranges');
    for (const r of b.offsetRanges) ranges.append(element('div', range(r), undefined, r));
    return row;
  });
  // biome-ignore lint/plugin/no-data-sized-spread: the API keeps the last BATCH_HISTORY_SIZE batches
  body.replaceChildren(...rows);
  const records = batches.reduce((sum, b) => sum + b.records.consumed, 0);
  document.getElementById('batch-count').textContent = `last ${batches.length}, ${records} records`;
}

function drawStatus(status) {
  const badge = document.getElementById('status');
  badge.textContent = status.status;
  badge.className = `status ${status.status}`;
  badge.title = status.reason ?? '';
  const time = Date.now() / 1000;
  lag.add(
    time,
    status.lag.map((p) => [`${p.topic}-${p.partition}`, p.lag]),
  );
  lagTime.add(
    time,
    status.lag.map((p) => [`${p.topic}-${p.partition}`, p.lagMs ?? null]),
  );
  // Busy share over the last batch interval, once two batches have been seen.
  slots.add(
    time,
    status.slots.map((s) => [`slot ${s.slot}`, s.busyShare ?? null]),
  );
  draw('lag', lag.labels(), lag.data());
  draw('lagTime', lagTime.labels(), lagTime.data());
  draw('slots', slots.labels(), slots.data(), {
    scales: { y: { range: [0, 1] } },
    axis: { values: percent },
  });
  const total = status.lag.reduce((sum, p) => sum + p.lag, 0);
  document.getElementById('summary').textContent =
    `${status.lag.length} partitions, lag ${total}, ${status.slots.length} slots`;
  drawPartitions(status);
  drawFailure(status, openBatch);
}

/** Opens batch `id`'s drill-down (also from the address: `#batch=12`). */
async function openBatch(id) {
  const box = document.getElementById('drilldown');
  try {
    drawDrilldown(await getJson(`api/batch?id=${encodeURIComponent(id)}`), state.job?.operators);
    box.scrollIntoView({ block: 'nearest' });
  } catch (error) {
    box.hidden = false;
    document.getElementById('drilldown-title').textContent = `Batch ${id}`;
    document.getElementById('drilldown-summary').textContent = String(error.message);
  }
}

function batchInAddress() {
  const match = /^#batch=(\d+)$/.exec(window.location.hash);
  if (match) openBatch(match[1]);
}
window.addEventListener('hashchange', batchInAddress);
document.getElementById('drilldown-close').addEventListener('click', () => {
  document.getElementById('drilldown').hidden = true;
});

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function poll() {
  try {
    const [{ batches }, status, stateJson, job] = await Promise.all([
      getJson('api/batches'),
      getJson('api/status'),
      getJson('api/state'),
      getJson('api/job'),
    ]);
    drawBatches(batches);
    drawTable(batches);
    drawStatus(status);
    drawState(stateJson);
    // `{ started: false }` until the run has started: the header waits for it.
    if (job.started !== false) {
      state.job = job;
      drawHeader(job);
    }
    state.polls++;
    document.body.dataset.polls = String(state.polls);
  } catch (error) {
    // A stopped engine is a state to show, not an error of the page.
    const badge = document.getElementById('status');
    badge.textContent = 'unreachable';
    badge.className = 'status unreachable';
    badge.title = String(error);
  }
  setTimeout(poll, POLL_MS);
}

window.addEventListener('resize', () => {
  for (const [name, chart] of Object.entries(charts)) {
    chart.setSize({ width: document.getElementById(`chart-${name}`).clientWidth - 16, height: HEIGHT });
  }
});

getJson('api/environment').then(
  ({ variables }) => drawEnvironment(variables),
  () => {},
);
batchInAddress();
poll();
