import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';
import { cacheRoot } from './versions.ts';

function pom(version: string): string {
  const major = Number(version.split('.')[0]);
  // Kafka 4 logs through log4j2; 3.x through reload4j. Neither binding is a dependency of the broker jar.
  const logging =
    major >= 4
      ? dep('org.apache.logging.log4j', 'log4j-slf4j-impl', '2.25.4')
      : dep('org.slf4j', 'slf4j-reload4j', '1.7.36');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.local</groupId><artifactId>kafka-jars</artifactId><version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    ${dep('org.apache.kafka', 'kafka_2.13', version)}
    ${dep('org.apache.kafka', 'kafka-tools', version)}
    ${logging}
  </dependencies>
</project>
`;
}

function dep(group: string, artifact: string, version: string): string {
  return `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`;
}

/**
 * Returns the folder holding every jar the broker and the Kafka command-line tools need,
 * downloading them with Maven on first use. A `.complete` marker makes a half-finished
 * download count as absent.
 */
export function ensureKafkaJars(version: string, log: (line: string) => void = () => {}): string {
  const home = join(cacheRoot(), `kafka-${version}`);
  const libs = join(home, 'libs');
  const marker = join(home, '.complete');
  if (existsSync(marker)) return libs;

  log(`fetching Apache Kafka ${version} jars from Maven Central into ${libs}`);
  rmSync(libs, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'pom.xml'), pom(version));
  const result = spawnSync(
    'mvn',
    ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'],
    { cwd: home, encoding: 'utf8' },
  );
  if (result.error) {
    throw new SluiceError(ErrorCode.localKafka, `cannot run Maven (mvn) to fetch Kafka ${version} jars`, {
      cause: result.error,
    });
  }
  if (result.status !== 0 || !existsSync(libs) || readdirSync(libs).length === 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new SluiceError(
      ErrorCode.localKafka,
      `Maven could not fetch org.apache.kafka:kafka_2.13:${version} (exit ${result.status}):\n${output}`,
    );
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return libs;
}
