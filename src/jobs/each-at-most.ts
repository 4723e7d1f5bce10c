// Bounded concurrency for jobs that call an outside service once per item (deleting copies at Twilio): a
// few requests in flight at once, never one per item, so a long backlog neither floods the provider nor
// holds more connections than the client keeps alive.

/** Runs `work` over `items` with at most `limit` calls in flight; resolves when all are done. */
export async function eachAtMost<T>(
  limit: number,
  items: readonly T[],
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
