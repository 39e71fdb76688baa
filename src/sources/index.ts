export { type ClickEvent, clickAt, GENERATOR_TOPIC, type GeneratorSpec } from './generator.ts';
