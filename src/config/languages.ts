// The languages Amparo speaks. Apart from config.ts so that voices.ts (which config.ts reads) can name them without
// an import cycle.
export type Language = 'en' | 'es';
export const SUPPORTED_LANGUAGES: readonly Language[] = ['en', 'es'];
