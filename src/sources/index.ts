// sources/: batch sources other than Kafka (the built-in generator); runs on the main thread.

export { GeneratorSource } from './generator-source.ts';
