/**
 * The demo's rate limits (its settings, its bucket names): the mechanism is the library's
 * (`createRateLimit` in socket-gateway/trpc, over the gateway's shared rate-limit store). A
 * refusal is TOO_MANY_REQUESTS with a retry hint (`data.retryAfterMs`, `Retry-After`, the message).
 */
import { createRateLimit } from 'socket-gateway/trpc';
import { getEnv } from '@/env';

/** One emit by a user: every procedure that pushes events shares this bucket (EMIT_RATE_*). */
export const senderLimit = createRateLimit({ name: 'emit', bucket: 'sender', limit: () => getEnv().rateLimits.emit, message: 'Too many messages' });

/**
 * One new room opened by a user (joined as its first member): ROOMS_CREATED_PER_HOUR, refilled
 * evenly over the hour. Each room keeps a history for ROOM_HISTORY_ABANDONED_TTL_MS after it is
 * left, so this bounds the storage one user can leave behind (red-team round 3, F6).
 */
const roomCreationLimit = createRateLimit({
  name: 'rooms-created',
  bucket: 'rooms_created',
  limit: () => ({ ratePerSecond: getEnv().roomsCreatedPerHour / 3600, burst: getEnv().roomsCreatedPerHour }),
  message: 'Too many new rooms',
});

/** One notification to a user, from anyone: a victim's inbox cannot be flooded by many senders (RECIPIENT_RATE_*). */
const recipientLimit = createRateLimit({
  name: 'to',
  bucket: 'recipient',
  limit: () => getEnv().rateLimits.recipient,
  message: (userId) => `Too many notifications to ${userId} right now`,
});

/** One `presence.user` lookup by a user: whether someone is online is not for bulk probing (attacks-3 F9). */
export const lookupLimit = createRateLimit({ name: 'lookup', bucket: 'lookup', limit: () => getEnv().rateLimits.lookup, message: 'Too many presence lookups' });

export const limitRoomCreation = (userId: string): Promise<void> => roomCreationLimit.take(userId);
export const limitRecipient = (userId: string): Promise<void> => recipientLimit.take(userId);
