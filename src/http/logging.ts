// Logs carry route, method, status and duration, nothing else about a request. Serializers are allow-lists
// (anything not named is dropped) and redaction catches the usual places personal data hides, so that an IP
// address, a user agent, a phone number, a name or report text cannot reach a log line by accident.
import pino, { type Logger, type LoggerOptions } from 'pino';

/** Keeps an error's type, code and stack frames, but not its message: messages can quote user input. */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .map((line) => line.trim())
    .slice(0, 12);
  const code = (error as { code?: unknown }).code;
  return { type: error.name, ...(typeof code === 'string' ? { code } : {}), stack: frames };
}

export function loggerOptions(level: LoggerOptions['level']): LoggerOptions {
  return {
    level: level ?? 'info',
    base: undefined,
    serializers: {
      req: (req: { method?: string; routeOptions?: { url?: string } }) => ({
        method: req.method,
        route: req.routeOptions?.url,
      }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      err: serializeError,
      error: serializeError,
    },
    redact: {
      paths: [
        'ip',
        'ips',
        'hostname',
        'remoteAddress',
        'remotePort',
        'headers',
        'body',
        'query',
        'params',
        'url',
        '*.ip',
        '*.ips',
        '*.hostname',
        '*.remoteAddress',
        '*.headers',
        '*.body',
        '*.query',
        '*.url',
        '*.phone',
        '*.email',
        '*.name',
        '*.text',
      ],
      remove: true,
    },
  };
}

export function createLogger(level: LoggerOptions['level'], destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
