export { GeneratorSource, generatedWork } from './generator-source.ts';
