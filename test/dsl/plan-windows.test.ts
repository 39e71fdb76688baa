import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  type DStream,
  defineJob,
  type JobContext,
  type Pair,
  Plan,
} from '../../src/dsl/index.ts';
import { SluiceError } from '../../src/errors/index.ts';
import { Aggregations, Windows } from '../../src/window/index.ts';

type Event = { key: string; t: number };

function plan(build: (ctx: JobContext) => void): Plan {
  return new Plan(buildGraph(defineJob(build), {}));
}

function planError(build: (ctx: JobContext) => void): { code: string; message: string } {
  try {
    plan(build);
  } catch (error) {
    if (error instanceof SluiceError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the plan to be rejected');
}

const invalid = (message: string) => ({ code: 'SLUICE_JOB_INVALID', message });
const beforeAggregation = (name: string, node: number) =>
  invalid(
    `${name} (node ${node}) must come before the first aggregation: its state lives in the partition's worker slot`,
  );
const batchTime = (name: string, node: number) =>
  invalid(
    `${name} (node ${node}) runs on batch time; after withWatermark use windowAggregate, whose results name their window`,
  );
const lateRecordsMisplaced = (node: number) =>
  invalid(
    `lateRecords (node ${node}) must follow an event-time window operation (withWatermark, then window or windowAggregate)`,
  );

// Node 0 is the source, node 1 the map to pairs.
const pairs = (ctx: JobContext): DStream<Pair<string, number>> =>
  ctx.stream<string>().map((r): [string, number] => [r.value, 1]);
// Node 0 the source, node 1 withWatermark, node 2 the map to pairs.
const eventPairs = (ctx: JobContext): DStream<Pair<string, number>> =>
  ctx
    .stream<Event>()
    .withWatermark(1000, (r) => r.value.t)
    .map((r): [string, number] => [r.value.key, 1]);

describe('Plan: window operations after an aggregation', () => {
  it('window after reduceByKey', () => {
    expect(
      planError((ctx) => {
        pairs(ctx)
          .reduceByKey((a, b) => a + b)
          .window(1000)
          .print();
      }),
    ).toEqual(beforeAggregation('window', 3));
  });

  it('windowAggregate after countByValue', () => {
    expect(
      planError((ctx) => {
        pairs(ctx)
          .map(([key]) => key)
          .countByValue()
          .windowAggregate(Windows.tumbling(1000), Aggregations.count())
          .print();
      }),
    ).toEqual(beforeAggregation('windowAggregate', 4));
  });

  it('countByWindow after count', () => {
    expect(
      planError((ctx) => {
        ctx.stream().count().countByWindow(2000, 1000).print();
      }),
    ).toEqual(beforeAggregation('countByWindow', 2));
  });

  it('a window operation after another window aggregation', () => {
    expect(
      planError((ctx) => {
        pairs(ctx)
          .reduceByKeyAndWindow((a, b) => a + b, 2000, 1000)
          .reduceByKeyAndWindow((a, b) => a + b, 4000, 2000)
          .print();
      }),
    ).toEqual(beforeAggregation('reduceByKeyAndWindow', 3));
  });

  it('withWatermark after reduce', () => {
    expect(
      planError((ctx) => {
        ctx
          .stream<Event>()
          .map((r) => r.value.t)
          .reduce((a, b) => a + b)
          .withWatermark(0)
          .print();
      }),
    ).toEqual(beforeAggregation('withWatermark', 3));
  });

  it('a window before the first aggregation is fine, and so is an aggregation after it', () => {
    const built = plan((ctx) => {
      pairs(ctx)
        .reduceByKeyAndWindow((a, b) => a + b, 2000, 1000)
        .reduceByKey((a, b) => a + b)
        .print();
    });
    expect(built.windows.map((node) => node.id)).toEqual([2]);
    expect(built.onMain).toEqual([false, false, true, true, true]);
  });
});

describe('Plan: Spark-named window operations after withWatermark', () => {
  it.each<[string, (stream: DStream<Pair<string, number>>) => DStream<unknown>]>([
    ['countByWindow', (s) => s.countByWindow(2000, 1000)],
    ['reduceByWindow', (s) => s.reduceByWindow(([key, a], [, b]) => [key, a + b], 2000, 1000)],
    ['reduceByKeyAndWindow', (s) => s.reduceByKeyAndWindow((a, b) => a + b, 2000, 1000)],
    [
      'reduceByKeyAndWindow',
      (s) =>
        s.reduceByKeyAndWindow(
          (a, b) => a + b,
          (a, b) => a - b,
          2000,
          1000,
        ),
    ],
    ['countByValueAndWindow', (s) => s.countByValueAndWindow(2000, 1000)],
  ])('%s', (name, op) => {
    expect(
      planError((ctx) => {
        op(eventPairs(ctx)).print();
      }),
    ).toEqual(batchTime(name, 3));
  });

  it('window and windowAggregate run on event time after withWatermark', () => {
    const built = plan((ctx) => {
      const events = eventPairs(ctx);
      events.window(2000, 1000).print();
      events.windowAggregate(Windows.tumbling(2000), Aggregations.sum()).print();
    });
    expect(built.windows.map((node) => [node.id, built.eventTime[node.id]])).toEqual([
      [3, true],
      [5, true],
    ]);
    expect([...built.watermarks]).toEqual([[1, 1000]]);
  });
});

describe('Plan: lateRecords placement', () => {
  it('directly after withWatermark', () => {
    expect(
      planError((ctx) => {
        ctx.stream<Event>().withWatermark(1000).lateRecords().print();
      }),
    ).toEqual(lateRecordsMisplaced(2));
  });

  it('after a processing-time window', () => {
    expect(
      planError((ctx) => {
        pairs(ctx).window(2000, 1000).lateRecords().print();
      }),
    ).toEqual(lateRecordsMisplaced(3));
  });

  it('after a processing-time windowAggregate', () => {
    expect(
      planError((ctx) => {
        pairs(ctx).windowAggregate(Windows.tumbling(2000), Aggregations.count()).lateRecords().print();
      }),
    ).toEqual(lateRecordsMisplaced(3));
  });

  it('after a map that follows an event-time window', () => {
    expect(
      planError((ctx) => {
        eventPairs(ctx)
          .windowAggregate(Windows.tumbling(2000), Aggregations.count())
          .map((row) => row.key)
          .lateRecords()
          .print();
      }),
    ).toEqual(lateRecordsMisplaced(5));
  });

  it('after an event-time window or windowAggregate it runs in the worker slot', () => {
    const built = plan((ctx) => {
      const events = eventPairs(ctx);
      events.window(2000).lateRecords().print();
      events.windowAggregate(Windows.tumbling(2000), Aggregations.count()).lateRecords().print();
    });
    const late = built.nodes.filter((node) => node.kind === 'lateRecords').map((node) => node.id);
    expect(late).toEqual([4, 7]);
    expect(late.map((id) => built.onMain[id])).toEqual([false, false]);
    // lateRecords has a batch whenever records are late, whether or not its window fired.
    expect(late.map((id) => built.upstreamWindows[id])).toEqual([[], []]);
  });
});

describe('Plan.intervalProblems', () => {
  it('one line per processing-time window whose size or slide is not a multiple of the interval', () => {
    const built = plan((ctx) => {
      const processing = pairs(ctx);
      processing.countByWindow(2500, 1000).print();
      processing
        .map(([key]) => key)
        .window(3000, 1500)
        .print();
      processing.windowAggregate(Windows.tumbling(1200), Aggregations.count()).print();
      processing.reduceByKeyAndWindow((a, b) => a + b, 4000, 2000).print();
      // Event time has no batch-interval rule.
      eventPairs(ctx).windowAggregate(Windows.tumbling(1500), Aggregations.count()).print();
    });
    expect(built.intervalProblems(1000)).toEqual([
      'countByWindow (node 2): the window size must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 2500',
      'window (node 5): the window slide must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 1500',
      'windowAggregate (node 7): the window size must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 1200; ' +
        'the window slide must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 1200',
    ]);
    expect(built.intervalProblems(100)).toEqual([]);
  });
});

describe('Plan: session windows', () => {
  it('run on event time only: on processing time the plan names withWatermark', () => {
    expect(
      planError((ctx) => {
        pairs(ctx).windowAggregate(Windows.session(30_000), Aggregations.count()).print();
      }),
    ).toEqual(
      invalid(
        'windowAggregate (node 2): session windows run on event time only; call withWatermark(allowedLatenessMs, timestamp) before windowAggregate(Windows.session(30000), …)',
      ),
    );
  });

  it('an aggregation without merge is refused: bridged sessions merge their partials', () => {
    const unmergeable = {
      empty: () => 0,
      add: (acc: number, value: number) => acc + value,
    } as unknown as Parameters<typeof Aggregations.of<number, number, number>>[0];
    expect(
      planError((ctx) => {
        eventPairs(ctx).windowAggregate(Windows.session(10), Aggregations.of(unmergeable)).print();
      }),
    ).toEqual(
      invalid(
        'windowAggregate (node 3): session windows merge the partials of sessions a record bridges; the aggregation needs merge(a, b) (got undefined)',
      ),
    );
  });

  it('a spec built by hand is validated as Windows.session validates it', () => {
    expect(
      planError((ctx) => {
        eventPairs(ctx).windowAggregate({ kind: 'session', gapMs: -1 }, Aggregations.count()).print();
      }),
    ).toEqual(invalid('session gap must be a positive integer of milliseconds; got -1'));
  });

  it('after withWatermark: in the slot, with lateRecords, no batch-interval rule', () => {
    const built = plan((ctx) => {
      const sessions = eventPairs(ctx).windowAggregate(Windows.session(1500), Aggregations.sum());
      sessions.print();
      sessions.lateRecords().print();
    });
    const [node] = built.windowAggregates;
    expect(node?.spec).toEqual({ kind: 'session', gapMs: 1500 });
    expect(built.partialExports.has(node?.id ?? -1)).toBe(true);
    expect(built.intervalProblems(1000)).toEqual([]);
  });
});
