// The slice of a pino logger the bus writes to; a pino `Logger` satisfies it.

export interface BusLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const ignore = (): void => undefined;

export const silentLogger: BusLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
