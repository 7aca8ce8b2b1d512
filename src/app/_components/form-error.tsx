import { trpcErrorMessage } from '@/trpc/errors';

/** A failed call's message, shown beside the form that made it (announced to screen readers). */
export function FormError({ id, error }: { id: string; error: unknown }) {
  if (!error) return null;
  return (
    <p id={id} className="form-error" role="alert">
      {trpcErrorMessage(error)}
    </p>
  );
}
