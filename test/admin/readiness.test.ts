import { describe, expect, it } from 'vitest';
import { ReadinessState } from '../../src/admin/index.ts';

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
