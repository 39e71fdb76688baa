/** The logging calls the runtime makes; pino's logger has this shape. */
export type Logger = {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  debug(object: object, message: string): void;
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
