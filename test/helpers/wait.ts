// The one way tests wait: poll a condition until it holds. A limit only turns a hang into a
// failure with a name; it never decides whether something was fast enough.

/** Upper bound for any single wait: reaching it means the test failed, not that it was slow. */
export const WAIT_LIMIT_MS = 15_000;

/**
 * Polls `check` (every 10 ms) until it returns something other than undefined or false, and
 * resolves with that value; rejects with "timed out waiting for <what>" after `limitMs`.
 */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, limitMs = WAIT_LIMIT_MS): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
