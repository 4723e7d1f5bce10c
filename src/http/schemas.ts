// Response schema helpers. Every route declares what it answers; HTML pages declare a text/html string.
type JsonSchema = Record<string, unknown>;

const errorBody: JsonSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

const htmlPage = { content: { 'text/html': { schema: { type: 'string' } } } };

/** Status codes answered with an HTML page (2xx pages, and errors shown to browsers). */
export function htmlResponses(...statuses: number[]): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    200: htmlPage,
    '4xx': { ...htmlPage, description: 'Error page' },
  };
  for (const status of statuses) responses[status] = htmlPage;
  return responses;
}

/** A redirect after a form post (303 See Other). */
export const redirectResponse = { 303: { description: 'See Other', type: 'null' } };

export function jsonResponses(responses: Record<number, JsonSchema>): Record<string, JsonSchema> {
  return { ...responses, '4xx': errorBody };
}

/** The types a recording or a voice message is served as (the first three play in the browser). */
export const AUDIO_TYPES: readonly string[] = [
  'audio/mpeg',
  'audio/wav',
  'audio/x-wav',
  'application/octet-stream',
];

/** A file sent as it is, in one of these types; then the error pages of htmlResponses(...statuses). */
export function fileResponses(types: readonly string[], ...statuses: number[]): Record<string, unknown> {
  return {
    200: {
      content: Object.fromEntries(
        types.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
      ),
    },
    ...htmlResponses(...statuses),
  };
}

/** A stream of server-sent events; then the error pages of htmlResponses(...statuses). */
export function eventStreamResponses(...statuses: number[]): Record<string, unknown> {
  return {
    200: { content: { 'text/event-stream': { schema: { type: 'string' } } } },
    ...htmlResponses(...statuses),
  };
}
