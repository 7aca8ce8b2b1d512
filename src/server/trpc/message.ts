import { randomUUID } from 'node:crypto';
import type { MessagePayload } from '@/events';

/** A fresh event payload from `from`. */
export function createMessage(from: string, message: string): MessagePayload {
  return { id: randomUUID(), from, message, sentAt: Date.now() };
}
