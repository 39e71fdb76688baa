export {
  CLICK_EVENT_BYTES,
  type ClickEvent,
  clickAt,
  GENERATOR_TOPIC,
  type GeneratorSpec,
} from './generator.ts';
