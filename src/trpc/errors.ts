import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@/server/trpc/root';

/** What browsers say when a request never got an answer (Chrome, Firefox, Safari). */
const NETWORK_FAILURES = /^(Failed to fetch|NetworkError when attempting to fetch resource\.?|Load failed|Network request failed|fetch failed)$/i;

export const UNREACHABLE_MESSAGE = "Can't reach the server right now. Check your connection and try again.";

/**
 * A readable message for a failed tRPC call: the first input-validation message when there
 * is one (their raw `message` is a JSON list of issues), a sentence instead of the browser's
 * "Failed to fetch" when the server could not be reached, else the server's message.
 */
export function trpcErrorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const { data } = error as TRPCClientError<AppRouter>;
    const zodError = data?.zodError;
    if (zodError) {
      const first = [...zodError.formErrors, ...Object.values(zodError.fieldErrors).flat()].find(
        (message): message is string => typeof message === 'string' && message.length > 0,
      );
      if (first) return first;
    }
    if (data?.code === 'UNAUTHORIZED') return 'Your session has ended. Sign in again.';
    if (!data) {
      // No tRPC answer at all: the request failed, or something other than the app answered (a proxy's 502 page).
      return NETWORK_FAILURES.test(error.message) || error.cause instanceof TypeError
        ? UNREACHABLE_MESSAGE
        : 'The server could not answer just now. Try again in a moment.';
    }
    if (data.code === 'INTERNAL_SERVER_ERROR') return 'Something went wrong on the server. Try again in a moment.';
    return error.message;
  }
  if (error instanceof Error && NETWORK_FAILURES.test(error.message)) return UNREACHABLE_MESSAGE;
  return error instanceof Error ? error.message : 'Something went wrong';
}
