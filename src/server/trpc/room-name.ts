/**
 * A room name as tRPC input: the library's rule (roomNameError: a small safe alphabet, never the
 * reserved `user:` prefix) as a zod schema, so a bad name is BAD_REQUEST with the rule's message.
 */
import { z } from 'zod';
import { roomNameError } from 'socket-gateway';

export const roomNameSchema = z.string().superRefine((room, ctx) => {
  const error = roomNameError(room);
  if (error) ctx.addIssue({ code: 'custom', message: error });
});
