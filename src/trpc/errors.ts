import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@/server/trpc/root';

/**
 * A readable message for a failed tRPC call: the first input-validation message when there
 * is one (their raw `message` is a JSON list of issues), else the server's message.
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
    return error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong';
}
