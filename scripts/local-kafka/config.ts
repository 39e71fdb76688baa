import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type BrokerPorts = { readonly broker: number; readonly controller: number };

/** A single-node KRaft cluster on loopback: one process is broker and controller. */
export function serverProperties(dataDir: string, ports: BrokerPorts): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // One node: internal topics cannot have more replicas than that.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests join groups constantly; the default 3 s delay would dominate their run time.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    '',
  ].join('\n');
}

const LOG4J2 = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
`;

const LOG4J1 = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
`;

/** Writes the logging config for the Kafka major version; returns the JVM flag that selects it. */
export function writeLogConfig(dir: string, version: string): string {
  if (Number(version.split('.')[0]) >= 4) {
    const file = join(dir, 'log4j2.yaml');
    writeFileSync(file, LOG4J2);
    return `-Dlog4j2.configurationFile=${file}`;
  }
  const file = join(dir, 'log4j.properties');
  writeFileSync(file, LOG4J1);
  return `-Dlog4j.configuration=file:${file}`;
}
