export { GeneratorSource } from './generator-source.ts';
