// The logger the domain writes to: pino's shape, so Fastify's request loggers fit as they are,
// without the domain knowing about Fastify.

export interface Logger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

/** A logger that writes nothing (tests and tools that build services by hand). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
