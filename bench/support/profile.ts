import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './child.ts';
import { fixed, markdownTable } from './stats.ts';

const WAITING = new Set(['(idle)', 'atomicsWaitLoop']);

type CallFrame = { readonly functionName: string; readonly url: string; readonly lineNumber: number };
type ProfileNode = { readonly id: number; readonly callFrame: CallFrame; readonly hitCount?: number };
type CpuProfile = {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
};

export type SelfTime = {
  readonly functionName: string;
  /** Repo-relative, `node_modules/…`-relative or `node:` location of the function's script. */
  readonly where: string;
  readonly selfMs: number;
  /** Share of all samples, idle included. */
  readonly percent: number;
};

export type ProfileSummary = {
  readonly file: string;
  readonly totalMs: number;
  /** Samples neither "(idle)" nor piscina's `atomicsWaitLoop` (a worker blocked waiting for a task). */
  readonly busyMs: number;
  readonly top: readonly SelfTime[];
  /** Self time per component (see {@link componentOf}), largest first. */
  readonly components: readonly {
    readonly component: string;
    readonly selfMs: number;
    readonly percent: number;
  }[];
};

/**
 * What a function belongs to: a package under node_modules, a folder of src/, Node's own
 * JavaScript, or one of V8's pseudo-frames (GC, idle, program).
 */
export function componentOf(functionName: string, where: string): string {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(idle)' || functionName === 'atomicsWaitLoop') return 'idle / waiting for a task';
  if (functionName === '(program)') return '(program): V8 and native code outside JS';
  const modules = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(where);
  if (modules?.[1]) return modules[1];
  const src = /^(src\/[^/]+)\//.exec(where);
  if (src?.[1]) return `${src[1]}/`;
  if (where.startsWith('node:')) return 'Node internals (node:*)';
  if (where === '') return 'native (no script): builtins, Buffer, TextDecoder';
  return where;
}

/**
 * Node writes one `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile` per thread with
 * `--cpu-prof`; thread 0 is the main thread, workers count up from 1.
 */
export function profileFiles(dir: string): { main: string | undefined; workers: string[] } {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  const thread = (name: string): number => Number(name.split('.').at(-3));
  const main = files.find((name) => thread(name) === 0);
  return {
    main: main === undefined ? undefined : join(dir, main),
    workers: files.filter((name) => thread(name) > 0).map((name) => join(dir, name)),
  };
}

/** Self time per function (name + script), summed over the profile's nodes: hitCount × sampling interval. */
export function summarizeProfile(file: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const intervalMs = hits > 0 ? totalMs / hits : 0;
  const byFunction = new Map<string, { functionName: string; where: string; hits: number }>();
  for (const node of profile.nodes) {
    if (!node.hitCount) continue;
    const functionName = node.callFrame.functionName || '(anonymous)';
    const where = shortUrl(node.callFrame.url);
    const key = `${functionName}\u0000${where}`;
    const entry = byFunction.get(key) ?? { functionName, where, hits: 0 };
    entry.hits += node.hitCount;
    byFunction.set(key, entry);
  }
  const all = [...byFunction.values()].sort((a, b) => b.hits - a.hits);
  const idle = all.filter((entry) => WAITING.has(entry.functionName)).reduce((sum, e) => sum + e.hits, 0);
  const components = new Map<string, number>();
  for (const entry of all) {
    const component = componentOf(entry.functionName, entry.where);
    components.set(component, (components.get(component) ?? 0) + entry.hits);
  }
  return {
    file,
    totalMs,
    components: [...components]
      .sort((a, b) => b[1] - a[1])
      .map(([component, count]) => ({
        component,
        selfMs: count * intervalMs,
        percent: hits > 0 ? (100 * count) / hits : 0,
      })),
    busyMs: (hits - idle) * intervalMs,
    top: all.slice(0, topN).map((entry) => ({
      functionName: entry.functionName,
      where: entry.where,
      selfMs: entry.hits * intervalMs,
      percent: hits > 0 ? (100 * entry.hits) / hits : 0,
    })),
  };
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + 1);
  return path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length) : path;
}

type TimedProfile = CpuProfile & { readonly timeDeltas: readonly number[] };

export type TimelineBucket = {
  /** Start of the bucket, ms from the start of the main thread's profile. */
  readonly atMs: number;
  /** Percent of the bucket's main-thread samples: busy at all, and in kafkajs, GC, and src/. */
  readonly main: {
    readonly busy: number;
    readonly kafkajs: number;
    readonly gc: number;
    readonly sluice: number;
  };
  /** Percent of the worker's samples that were busy; undefined before it started or after it ended. */
  readonly worker: number | undefined;
};

/**
 * Main thread and one worker side by side, in buckets of `bucketMs`: when each was busy and,
 * for the main thread, with what. Both profiles come from one process, so their clocks agree.
 */
export function timeline(
  mainFile: string,
  workerFile: string | undefined,
  bucketMs: number,
): TimelineBucket[] {
  const main = JSON.parse(readFileSync(mainFile, 'utf8')) as TimedProfile;
  const origin = main.startTime;
  const mainBuckets = bucketize(main, origin, bucketMs);
  const workerBuckets = workerFile
    ? bucketize(JSON.parse(readFileSync(workerFile, 'utf8')) as TimedProfile, origin, bucketMs)
    : new Map<number, Counts>();
  const last = Math.max(...mainBuckets.keys(), ...workerBuckets.keys());
  const buckets: TimelineBucket[] = [];
  for (let index = 0; index <= last; index++) {
    const m = mainBuckets.get(index);
    const w = workerBuckets.get(index);
    const pct = (count: number, all: number): number => (all > 0 ? (100 * count) / all : 0);
    buckets.push({
      atMs: index * bucketMs,
      main: {
        busy: m ? pct(m.busy, m.all) : 0,
        kafkajs: m ? pct(m.kafkajs, m.all) : 0,
        gc: m ? pct(m.gc, m.all) : 0,
        sluice: m ? pct(m.sluice, m.all) : 0,
      },
      worker: w ? pct(w.busy, w.all) : undefined,
    });
  }
  return buckets;
}

type Counts = { all: number; busy: number; kafkajs: number; gc: number; sluice: number };

function bucketize(profile: TimedProfile, origin: number, bucketMs: number): Map<number, Counts> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const buckets = new Map<number, Counts>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(profile.samples[i] as number)?.callFrame;
    if (!frame) continue;
    const index = Math.floor((time - origin) / 1000 / bucketMs);
    if (index < 0) continue;
    const counts = buckets.get(index) ?? { all: 0, busy: 0, kafkajs: 0, gc: 0, sluice: 0 };
    counts.all++;
    const component = componentOf(frame.functionName, shortUrl(frame.url));
    if (!WAITING.has(frame.functionName)) counts.busy++;
    if (component === 'kafkajs') counts.kafkajs++;
    else if (component === 'garbage collector') counts.gc++;
    else if (component.startsWith('src/')) counts.sluice++;
    buckets.set(index, counts);
  }
  return buckets;
}

/** A profile summary as Markdown: busy time, then self time by component and by function. */
export function profileTable(title: string, summary: ProfileSummary): string {
  const header = `${title}: ${fixed(summary.totalMs / 1000, 1)} s profiled, ${fixed(summary.busyMs / 1000, 1)} s busy (not idle, not waiting for a task)`;
  const table = markdownTable(
    ['function', 'script', 'self ms', '% of samples'],
    summary.top.map((entry) => [
      `\`${entry.functionName}\``,
      entry.where === '' ? '' : `\`${entry.where}\``,
      fixed(entry.selfMs, 0),
      fixed(entry.percent, 1),
    ]),
  );
  const components = markdownTable(
    ['component', 'self ms', '% of samples'],
    summary.components
      .filter((entry) => entry.percent >= 0.5)
      .map((entry) => [entry.component, fixed(entry.selfMs, 0), fixed(entry.percent, 1)]),
  );
  return `${header}\n\nBy component (≥ 0.5 %):\n\n${components}\n\nTop functions by self time:\n\n${table}`;
}
