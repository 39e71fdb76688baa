/** The shape of one SLUICE_* variable: its parser and its docs row. */
import type { Field } from './fields.ts';

/** A row of the docs' variable tables. */
export interface VariableDoc {
  readonly env: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

/** One `SLUICE_*` variable: its parser (a zod schema) plus its docs row. */
export interface ConfigOption<T> extends VariableDoc {
  readonly schema: Field<T>['schema'];
}

/** Environment values after normalisation: trimmed, and an empty value is `undefined`. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;
