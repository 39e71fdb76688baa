// The dashboard's panels besides the charts: header, operator graph, partitions, state, checkpoints,
// environment, the failure and a batch's drill-down. Each takes the API's JSON and fills its section.
import { bytes, duration, element, fillTable, isoTime, ms, range } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';

function field(list, name, value) {
  list.append(element('dt', name), element('dd', value, undefined, { field: name }));
}

/** The header: job and its settings, trigger, guarantee, start and uptime, instance, group, versions. */
export function drawHeader(job) {
  const list = document.getElementById('run');
  list.replaceChildren();
  const settings = Object.entries(job.job.settings)
    .filter(([, value]) => value !== null)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  field(
    list,
    'job',
    `${job.job.name}${job.job.builtIn ? ' (built-in)' : ''}${settings ? ` ${settings}` : ''}`,
  );
  field(list, 'trigger', `${job.trigger}, every ${job.intervalMs} ms`);
  field(list, 'guarantee', job.guarantee);
  field(list, 'started', `${isoTime(job.startedAt)}, up ${duration(job.uptimeMs)}`);
  field(list, 'instance', `${job.instance.host} pid ${job.instance.pid}, client ${job.instance.clientId}`);
  field(list, 'group', job.groupId);
  field(list, 'topics', `${job.topics}, ${job.workers} slots`);
  const brokers = job.kafka ? `${job.kafka.brokers} broker${job.kafka.brokers === 1 ? '' : 's'}` : '';
  const release = job.kafka?.release
    ? `${job.kafka.release} (metadata.version ${job.kafka.metadataVersion ?? 'not finalized'}), `
    : job.kafka
      ? `release unknown${job.kafka.releaseProblem ? ` (${job.kafka.releaseProblem})` : ''}, `
      : '';
  const kafka = job.kafka ? `${release}cluster ${job.kafka.clusterId}, ${brokers}` : 'not read';
  field(
    list,
    'versions',
    `Sluice ${job.versions.sluice}, Node ${job.versions.node}, kafkajs ${job.versions.kafkajs}; Kafka ${kafka}`,
  );
  drawOperators(job.operators, job.slotMs);
}

function attributes(node, values) {
  for (const [name, value] of Object.entries(values)) node.setAttribute(name, String(value));
}

/** Each node's depth: one more than its deepest parent (ids are in graph order). */
function depths(operators) {
  const depth = [];
  for (const op of operators) depth[op.id] = op.parents.reduce((d, p) => Math.max(d, (depth[p] ?? 0) + 1), 0);
  return depth;
}

/** The plan as a layered graph (slot operators blue, main-thread ones orange) and a table of figures. */
function drawOperators(operators, slotMs) {
  const depth = depths(operators);
  const rows = new Map();
  const place = operators.map((op) => {
    const row = rows.get(depth[op.id]) ?? 0;
    rows.set(depth[op.id], row + 1);
    return { x: 10 + depth[op.id] * 250, y: 10 + row * 54 };
  });
  const svg = document.createElementNS(SVG, 'svg');
  const height = 20 + [...rows.values()].reduce((a, b) => Math.max(a, b), 1) * 54;
  const width = 20 + (depth.reduce((a, b) => Math.max(a, b), 0) + 1) * 250;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  for (const op of operators) {
    for (const parent of op.parents) {
      const line = document.createElementNS(SVG, 'line');
      const from = place[parent];
      const to = place[op.id];
      attributes(line, { x1: from.x + 230, y1: from.y + 20, x2: to.x, y2: to.y + 20 });
      svg.append(line);
    }
  }
  for (const op of operators) {
    const group = document.createElementNS(SVG, 'g');
    group.setAttribute('class', `node ${op.thread}`);
    group.dataset.node = String(op.id);
    const box = document.createElementNS(SVG, 'rect');
    attributes(box, { x: place[op.id].x, y: place[op.id].y, width: 230, height: 40, rx: 4 });
    const title = document.createElementNS(SVG, 'text');
    title.setAttribute('x', String(place[op.id].x + 6));
    title.setAttribute('y', String(place[op.id].y + 16));
    title.textContent = `${op.id} ${op.kind}`;
    const figures = document.createElementNS(SVG, 'text');
    figures.setAttribute('x', String(place[op.id].x + 6));
    figures.setAttribute('y', String(place[op.id].y + 32));
    figures.setAttribute('class', 'figures');
    figures.textContent = `${op.in} → ${op.out} · ${operatorTime(op)}`;
    group.append(box, title, figures);
    svg.append(group);
  }
  document.getElementById('graph').replaceChildren(svg);
  fillTable(
    '#operators',
    operators.map((op) => [
      op.id,
      op.kind,
      op.detail,
      op.parents.join(', '),
      op.thread,
      [op.in, 'num'],
      [op.out, 'num'],
      [ms(op.ms), 'num'],
      [sampled(op.sampledMs), 'num'],
    ]),
    (index) => ({
      node: String(operators[index].id),
      thread: operators[index].thread,
      in: String(operators[index].in),
      out: String(operators[index].out),
      ...(operators[index].ms === null ? {} : { ms: String(operators[index].ms) }),
      ...(operators[index].sampledMs === null ? {} : { sampledMs: String(operators[index].sampledMs) }),
    }),
  );
  document.getElementById('slot-ms').textContent =
    `slot operators run chained per record: ${ms(slotMs)} in the slots since start; ` +
    "each one's own share estimated from one value in 64 timed through the chain (≈)";
}

/** An estimate from sampled values: marked as one. */
function sampled(value) {
  return value === null || value === undefined ? '–' : `≈ ${ms(value)}`;
}

/** An operator's time in the graph: the main thread's, the slots' estimate, or both. */
function operatorTime(op) {
  const parts = [op.ms === null ? null : ms(op.ms), op.sampledMs === null ? null : sampled(op.sampledMs)];
  return parts.filter((part) => part !== null).join(' + ') || '–';
}

/** Lag per partition in records and time, and each partition's watermark. */
export function drawPartitions(status) {
  const watermarks = new Map((status.watermarks ?? []).map((w) => [`${w.topic}-${w.partition}`, w]));
  const names = new Set([...status.lag.map((l) => `${l.topic}-${l.partition}`), ...watermarks.keys()]);
  const lags = new Map(status.lag.map((l) => [`${l.topic}-${l.partition}`, l]));
  const list = [...names].sort();
  fillTable(
    '#partitions',
    list.map((name) => {
      const lag = lags.get(name);
      const w = watermarks.get(name);
      return [
        name,
        [lag ? lag.lag : '–', 'num'],
        [lag ? (lag.lagMs === null ? 'not catching up' : duration(lag.lagMs)) : '–', 'num'],
        w ? isoTime(w.watermark) : '–',
        w ? (w.idle ? 'idle' : 'active') : '–',
      ];
    }),
    (index) => {
      const name = list[index];
      const lag = lags.get(name);
      const w = watermarks.get(name);
      return {
        partition: name,
        ...(lag ? { lag: String(lag.lag), lagMs: String(lag.lagMs) } : {}),
        ...(w ? { watermark: String(w.watermark) } : {}),
      };
    },
  );
}

/** State per partition and window operation, keyed state per state partition, checkpoints and the last restore. */
export function drawState(state) {
  const bytesOf = new Map(state.bytes.map((b) => [`${b.topic}-${b.partition}`, b]));
  const rows = state.windows.flatMap((w) =>
    w.operators.map((op) => ({
      name: `${w.topic}-${w.partition}`,
      node: op.node,
      entries: op.entries,
      bytes: op.bytes,
    })),
  );
  fillTable(
    '#window-state',
    rows.map((r) => {
      const saved = bytesOf.get(r.name);
      return [
        r.name,
        r.node,
        [r.entries, 'num'],
        [r.bytes === null ? '–' : bytes(r.bytes), 'num'],
        [saved ? bytes(saved.windowBytes) : '–', 'num'],
        [saved ? bytes(saved.bytes) : '–', 'num'],
      ];
    }),
    (index) => ({
      partition: rows[index].name,
      node: String(rows[index].node),
      entries: String(rows[index].entries),
      ...(rows[index].bytes === null ? {} : { bytes: String(rows[index].bytes) }),
      ...(bytesOf.has(rows[index].name)
        ? {
            windowBytes: String(bytesOf.get(rows[index].name).windowBytes),
            checkpointBytes: String(bytesOf.get(rows[index].name).bytes),
          }
        : {}),
    }),
  );
  fillTable(
    '#keyed-state',
    state.keyed.map((k) => [
      k.statePartition,
      [k.keys, 'num'],
      [k.bytes === null ? '–' : bytes(k.bytes), 'num'],
      k.operators.map((op) => `node ${op.node}: ${bytes(op.bytes)}`).join(', ') || '–',
    ]),
    (index) => ({
      statePartition: String(state.keyed[index].statePartition),
      keys: String(state.keyed[index].keys),
      ...(state.keyed[index].bytes === null ? {} : { bytes: String(state.keyed[index].bytes) }),
    }),
  );
  document.getElementById('state-bytes-at').textContent =
    state.bytesAt === null ? 'no checkpoint yet' : `checkpoint of ${isoTime(state.bytesAt)}`;
  const saves = state.checkpoints?.saves ?? [];
  fillTable(
    '#checkpoints',
    saves.map((save) => [
      isoTime(save.time),
      save.batchId ?? '–',
      [bytes(save.bytes), 'num'],
      [`${save.durationMs} ms`, 'num'],
      save.partitions.map((p) => `${p.topic}-${p.partition}@${p.offset}`).join(' '),
    ]),
    (index) => ({
      bytes: String(saves[index].bytes),
      offsets: saves[index].partitions.map((p) => `${p.topic}-${p.partition}@${p.offset}`).join(' '),
    }),
  );
  const restore = state.checkpoints?.lastRestore;
  document.getElementById('restore').textContent = restore
    ? `last restore ${isoTime(restore.time)} in ${restore.durationMs} ms: ${restore.partitions.map((p) => `${p.topic}-${p.partition} from ${p.from}${p.offset === null ? '' : ` at ${p.offset}`}`).join(', ')}`
    : state.checkpoints
      ? 'no restore yet'
      : 'checkpoints off (SLUICE_CHECKPOINT_DIR unset)';
}

export function drawEnvironment(variables) {
  fillTable(
    '#environment',
    variables.map((v) => [v.variable, v.value, v.source]),
    (index) => ({ variable: variables[index].variable, source: variables[index].source }),
  );
}

/** The failed run: its reason in the page and its batch, whose drill-down opens from here. */
export function drawFailure(status, open) {
  const box = document.getElementById('failure');
  const failed = status.status === 'failed' || status.failure;
  box.hidden = !failed;
  if (!failed) return;
  const reason = status.failure?.reason ?? status.reason ?? '';
  const parts = [element('strong', 'The run failed: '), element('span', reason, 'reason')];
  if (status.failure) {
    const batch = status.failure.batch;
    const link = element('a', `open batch ${batch.batchId}`, 'failed-batch', {
      batchId: String(batch.batchId),
      time: isoTime(batch.time),
    });
    link.href = `#batch=${batch.batchId}`;
    link.addEventListener('click', () => open(batch.batchId));
    parts.push(
      element(
        'div',
        `in batch ${batch.batchId} at ${isoTime(batch.time)} while ${status.failure.step}: ${batch.offsetRanges.map(range).join('; ')}`,
        'failed-where',
      ),
      link,
    );
  }
  // biome-ignore lint/plugin/no-data-sized-spread: a handful of parts
  box.replaceChildren(...parts);
}

/** A batch's drill-down: partitions with their offset ranges, operators, outputs, or its failure. */
export function drawDrilldown(detail, operators) {
  const box = document.getElementById('drilldown');
  box.hidden = false;
  const title = document.getElementById('drilldown-title');
  if (detail.failed) {
    const f = detail.failed;
    title.textContent = `Batch ${f.batch.batchId} (failed) at ${isoTime(f.batch.time)}`;
    box.dataset.batchId = String(f.batch.batchId);
    document.getElementById('drilldown-summary').textContent = `failed while ${f.step}: ${f.reason}`;
    fillTable(
      '#drill-partitions',
      f.batch.offsetRanges.map((r) => [`${r.topic}-${r.partition}`, range(r), '–', '–', '–']),
    );
    fillTable('#drill-operators', []);
    fillTable('#drill-outputs', []);
    return;
  }
  box.dataset.batchId = String(detail.batchId);
  title.textContent = `Batch ${detail.batchId} at ${isoTime(detail.time)}`;
  document.getElementById('drilldown-summary').textContent =
    `${detail.records.consumed} records, ${detail.records.late} late, ${detail.records.deadLettered} dead-lettered; scheduling ${detail.schedulingDelayMs} ms, processing ${detail.processingMs} ms (slots ${detail.slotsMs} ms, outputs ${detail.outputMs} ms)`;
  const rangeOf = new Map(detail.offsetRanges.map((r) => [`${r.topic}-${r.partition}`, r]));
  fillTable(
    '#drill-partitions',
    detail.partitions.map((p) => {
      const r = rangeOf.get(`${p.topic}-${p.partition}`);
      return [
        `${p.topic}-${p.partition}`,
        r ? range(r) : '–',
        [p.records, 'num'],
        [p.late, 'num'],
        [ms(p.slotMs), 'num'],
      ];
    }),
    (index) => {
      const p = detail.partitions[index];
      const r = rangeOf.get(`${p.topic}-${p.partition}`);
      return {
        partition: `${p.topic}-${p.partition}`,
        records: String(p.records),
        ...(r ? { fromOffset: r.fromOffset, untilOffset: r.untilOffset } : {}),
      };
    },
  );
  const kinds = new Map((operators ?? []).map((op) => [op.id, op.kind]));
  fillTable(
    '#drill-operators',
    detail.operators.map((op) => [
      op.node,
      kinds.get(op.node) ?? '',
      [op.out, 'num'],
      [ms(op.ms), 'num'],
      [sampled(op.sampledMs), 'num'],
    ]),
    (index) => ({
      node: String(detail.operators[index].node),
      out: String(detail.operators[index].out),
      ...(detail.operators[index].sampledMs === undefined
        ? {}
        : { sampledMs: String(detail.operators[index].sampledMs) }),
    }),
  );
  fillTable(
    '#drill-outputs',
    detail.outputs.map((o) => [
      o.node,
      o.sink,
      [o.records, 'num'],
      [ms(o.ms), 'num'],
      [o.attempts - 1, 'num'],
    ]),
    (index) => ({
      node: String(detail.outputs[index].node),
      records: String(detail.outputs[index].records),
      attempts: String(detail.outputs[index].attempts),
    }),
  );
}
