import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newClusterId } from '../../../scripts/local-kafka/broker.ts';
import { serverProperties, writeLogConfig } from '../../../scripts/local-kafka/config.ts';
import { DEFAULT_KAFKA_VERSION, kafkaVersion } from '../../../scripts/local-kafka/versions.ts';

function parse(properties: string): Map<string, string> {
  const entries = properties
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => line.split('=', 2) as [string, string]);
  return new Map(entries);
}

describe('local Kafka broker config', () => {
  it('is a single-node KRaft broker+controller on loopback with the given ports', () => {
    const props = parse(serverProperties('/data/k', { broker: 9101, controller: 9102 }));
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('node.id')).toBe('1');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:9102');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9101,CONTROLLER://127.0.0.1:9102');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:9101');
    expect(props.get('log.dirs')).toBe('/data/k');
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  describe('logging config', () => {
    let dir = '';
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('uses log4j2 for Kafka 4 and reload4j properties for Kafka 3', () => {
      dir = mkdtempSync(join(tmpdir(), 'sluice-log-'));
      expect(writeLogConfig(dir, '4.3.1')).toBe(`-Dlog4j2.configurationFile=${join(dir, 'log4j2.yaml')}`);
      expect(readFileSync(join(dir, 'log4j2.yaml'), 'utf8')).toContain('level: INFO');
      expect(writeLogConfig(dir, '3.9.1')).toBe(
        `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
      );
      expect(readFileSync(join(dir, 'log4j.properties'), 'utf8')).toContain('log4j.rootLogger=INFO, stdout');
    });
  });

  describe('SLUICE_KAFKA_VERSION', () => {
    it('defaults to the pinned release', () => {
      expect(kafkaVersion({})).toBe(DEFAULT_KAFKA_VERSION);
      expect(kafkaVersion({ SLUICE_KAFKA_VERSION: '3.9.1' })).toBe('3.9.1');
    });

    it('rejects anything but a 3.x or 4.x release, naming the variable and the value', () => {
      expect(() => kafkaVersion({ SLUICE_KAFKA_VERSION: 'latest' })).toThrow(
        'SLUICE_KAFKA_VERSION must look like 4.3.1 (a 3.x or 4.x release); got "latest"',
      );
      expect(() => kafkaVersion({ SLUICE_KAFKA_VERSION: '2.8.0' })).toThrow('got "2.8.0"');
    });
  });
});

describe('cluster id', () => {
  it('is 22 base64url characters and never starts with "-" (the format tool would take it for an option)', () => {
    for (let i = 0; i < 5000; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});
