import { QueryClient } from '@tanstack/react-query';

/** The app's TanStack Query defaults. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Server-rendered data stays fresh briefly, so hydration does not refetch at once.
        staleTime: 30_000,
        retry: (failureCount, error) => failureCount < 2 && !isClientError(error),
      },
      mutations: { retry: false },
    },
  });
}

/** 4xx answers (UNAUTHORIZED, FORBIDDEN, BAD_REQUEST) are not worth a retry. */
function isClientError(error: unknown): boolean {
  const status = (error as { data?: { httpStatus?: unknown } } | null)?.data?.httpStatus;
  return typeof status === 'number' && status >= 400 && status < 500;
}
