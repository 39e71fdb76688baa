import { describe, expect, it } from 'vitest';
import { progressProblem, ReadinessState } from '../../src/admin/index.ts';

describe('ReadinessState', () => {
  it('starts unready, waiting for the first assignment', () => {
    const readiness = new ReadinessState();
    expect(readiness.get()).toEqual({
      status: 'starting',
      reason: 'waiting for the first partition assignment',
    });
    expect(readiness.ready).toBe(false);
  });

  it('is ready once started, and unready again once stopping', () => {
    const readiness = new ReadinessState();
    readiness.started();
    expect(readiness.get()).toEqual({ status: 'ready' });
    readiness.stopping('shutting down on SIGTERM');
    expect(readiness.get()).toEqual({ status: 'stopping', reason: 'shutting down on SIGTERM' });
    readiness.started();
    expect(readiness.get().status).toBe('stopping');
  });

  it('keeps the first failure, through a later stop or failure', () => {
    const readiness = new ReadinessState();
    readiness.started();
    readiness.failed(
      'SLUICE_CHECKPOINT: cannot write checkpoint /c/g/t-0.ckpt: ENOSPC: no space left on device',
    );
    readiness.failed('SLUICE_KAFKA: the consumer stopped');
    readiness.stopping('the run has finished');
    readiness.started();
    expect(readiness.get()).toEqual({
      status: 'failed',
      reason: 'SLUICE_CHECKPOINT: cannot write checkpoint /c/g/t-0.ckpt: ENOSPC: no space left on device',
    });
  });

  it('never shows the password of a URL in a reason', () => {
    const readiness = new ReadinessState();
    readiness.failed('SLUICE_SINK: postgres://sluice:s3cret@db:5432/app refused the batch');
    expect(readiness.get()).toEqual({
      status: 'failed',
      reason: 'SLUICE_SINK: postgres://sluice:[redacted]@db:5432/app refused the batch',
    });
  });
});

describe('readiness follows progress', () => {
  const batch = { batchId: 41, records: 106, startedAt: 1_000, step: 'writing outputs' } as const;
  const probe = { unavailable: undefined, inFlight: undefined, now: 1_000, batchTimeoutMs: 30_000 };

  it('is unready while the consumer rejoins, ready again once it owns partitions', () => {
    const readiness = new ReadinessState();
    let unavailable: string | undefined = 'the Kafka consumer of group g crashed and is rejoining the group';
    readiness.track(() => progressProblem({ ...probe, unavailable }));
    // Before the first assignment, starting says more.
    expect(readiness.get().status).toBe('starting');
    readiness.started();
    expect(readiness.get()).toEqual({
      status: 'rejoining',
      reason: 'the Kafka consumer of group g crashed and is rejoining the group',
    });
    expect(readiness.ready).toBe(false);
    unavailable = undefined;
    expect(readiness.get()).toEqual({ status: 'ready' });
    expect(readiness.ready).toBe(true);
  });

  it('is unready while a batch is in flight longer than the bound, not at the bound', () => {
    expect(progressProblem({ ...probe, inFlight: batch, now: 31_000 })).toBeUndefined();
    expect(progressProblem({ ...probe, inFlight: batch, now: 31_001 })).toEqual({
      status: 'stuck',
      reason:
        'batch 41 (106 records) has been in flight for 30001 ms, longer than SLUICE_READY_BATCH_TIMEOUT_MS (30000), writing outputs',
    });
  });

  it('names the consumer before a batch, and stopping or failed win over both', () => {
    const readiness = new ReadinessState();
    readiness.track(() =>
      progressProblem({ ...probe, unavailable: 'rejoining', inFlight: batch, now: 99_000 }),
    );
    readiness.started();
    expect(readiness.get()).toEqual({ status: 'rejoining', reason: 'rejoining' });
    readiness.stopping('shutting down on SIGTERM');
    expect(readiness.get()).toEqual({ status: 'stopping', reason: 'shutting down on SIGTERM' });
  });
});
