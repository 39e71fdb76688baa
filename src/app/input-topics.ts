// The topics a run subscribes to: SLUICE_TOPICS for the job's ctx.stream(), plus every named input's.

import { ConfigError, type SluiceConfig, type TopicSelection } from '../config/index.ts';
import { describeInput, type InputSpec, type Inputs } from '../dsl/index.ts';

const escapeName = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function selectionOf(input: InputSpec): TopicSelection {
  return input.type === 'topics'
    ? { type: 'list', topics: input.topics }
    : { type: 'pattern', pattern: input.pattern };
}

/** One selection for several: a list when all are lists, else one pattern (their flags must agree). */
function merged(selections: readonly TopicSelection[]): TopicSelection {
  const names = [...new Set(selections.flatMap((s) => (s.type === 'list' ? s.topics : [])))];
  const patterns = selections.flatMap((s) => (s.type === 'pattern' ? [s.pattern] : []));
  if (patterns.length === 0) return { type: 'list', topics: names };
  const flags = new Set(patterns.map((pattern) => pattern.flags));
  if (flags.size > 1) {
    throw new ConfigError([
      `the job's topic patterns have different flags (${[...flags].map((f) => `"${f}"`).join(', ')}): one subscription cannot hold them; give them the same flags`,
    ]);
  }
  const parts = [
    ...(names.length > 0 ? [`^(?:${names.map(escapeName).join('|')})$`] : []),
    ...patterns.map((p) => p.source),
  ];
  return {
    type: 'pattern',
    pattern: new RegExp(parts.map((part) => `(?:${part})`).join('|'), [...flags][0]),
  };
}

/**
 * `config` with `topics` set to every topic the job reads: SLUICE_TOPICS when it reads
 * `ctx.stream()`, and each `ctx.stream(topics)`'s. Throws `SLUICE_CONFIG_INVALID` when the job
 * reads `ctx.stream()` on Kafka without SLUICE_TOPICS, or named topics without SLUICE_BROKERS.
 */
export function withInputTopics(config: SluiceConfig, inputs: Inputs): SluiceConfig {
  const problems: string[] = [];
  if (config.brokers && inputs.default && !config.topics) {
    problems.push(
      "SLUICE_TOPICS is required when SLUICE_BROKERS is set: the job reads ctx.stream() (a job that names its topics, ctx.stream('orders'), goes without)",
    );
  }
  if (!config.brokers) {
    for (const { input } of inputs.named) {
      problems.push(
        `the job's input ${describeInput(input)} reads Kafka topics: set SLUICE_BROKERS (without it, ctx.stream() reads the built-in generator)`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (inputs.named.length === 0) return config;
  const selections = [
    ...(inputs.default && config.topics ? [config.topics] : []),
    ...inputs.named.map(({ input }) => selectionOf(input)),
  ];
  return { ...config, topics: merged(selections) };
}
