// sources/: batch sources other than Kafka (the built-in generator); runs on the main thread.

export { GeneratorSource, generatedWork } from './generator-source.ts';
