import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type BrokerPorts = {
  readonly broker: number;
  readonly controller: number;
  /** The SASL_SSL listener's, when the broker has one. */
  readonly saslSsl?: number;
};

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/**
 * A SASL_SSL listener besides the PLAINTEXT one (which the controller, the start-up probe and
 * inter-broker traffic keep using). Passwords must not contain `"`, `,`, `[` or `]`: they go
 * into the JAAS line and the `--add-scram` argument as given.
 */
export type BrokerSecurity = {
  /** A PKCS12 keystore holding the broker's key and certificate. */
  readonly keystore: { readonly file: string; readonly password: string };
  /** Set: clients must present a certificate this CA (a PEM file) signed. */
  readonly clientCaFile?: string;
  /** PLAIN users: name → password. */
  readonly plainUsers: Readonly<Record<string, string>>;
  /** SCRAM credentials, stored in the cluster metadata when the log dir is formatted. */
  readonly scramUsers: readonly {
    readonly mechanism: ScramMechanism;
    readonly username: string;
    readonly password: string;
  }[];
};

/** The `--add-scram` arguments of `kafka-storage format` for the SCRAM users. */
export function scramFormatArgs(security: BrokerSecurity | undefined): string[] {
  return (security?.scramUsers ?? []).flatMap((user) => [
    '--add-scram',
    `${user.mechanism}=[name=${user.username},password=${user.password}]`,
  ]);
}

function saslSslProperties(security: BrokerSecurity): string[] {
  const prefix = 'listener.name.sasl_ssl';
  const plainUsers = Object.entries(security.plainUsers)
    .map(([name, password]) => ` user_${name}="${password}"`)
    .join('');
  return [
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `${prefix}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required${plainUsers};`,
    ...SCRAM_MECHANISMS.map(
      (mechanism) =>
        `${prefix}.${mechanism.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    ),
    `${prefix}.ssl.keystore.type=PKCS12`,
    `${prefix}.ssl.keystore.location=${security.keystore.file}`,
    `${prefix}.ssl.keystore.password=${security.keystore.password}`,
    `${prefix}.ssl.key.password=${security.keystore.password}`,
    ...(security.clientCaFile === undefined
      ? []
      : [
          `${prefix}.ssl.client.auth=required`,
          `${prefix}.ssl.truststore.type=PEM`,
          `${prefix}.ssl.truststore.location=${security.clientCaFile}`,
        ]),
  ];
}

/**
 * A single-node KRaft cluster on loopback: one process is broker and controller. With `security`
 * (and `ports.saslSsl`), also a SASL_SSL listener.
 */
export function serverProperties(dataDir: string, ports: BrokerPorts, security?: BrokerSecurity): string {
  const secure = security !== undefined && ports.saslSsl !== undefined;
  const saslSsl = secure ? `,SASL_SSL://127.0.0.1:${ports.saslSsl}` : '';
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}${saslSsl}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker}${saslSsl}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}`,
    ...(secure ? saslSslProperties(security) : []),
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
