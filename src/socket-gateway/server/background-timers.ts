/**
 * The socket server's two timers. The presence heartbeat: presence counts this node's sockets
 * only while it renews its lease, so a node that dies without a word stops holding its users'
 * connection slots; the revocation check rides along (a store that lost its data or went back in
 * time fails closed within a beat), then the announcer settles what is due. The log trim:
 * retention drops what is past it in bounded steps (every node may do it; it is idempotent).
 * Both unref'd: they never keep the process alive.
 */
import type { PresenceAnnouncer } from './presence-announcer';
import type { EventLog } from '../stores/event-log';
import type { PresenceStore } from '../stores/presence';
import type { RevocationStore } from '../stores/types';

/** How often this node renews its presence lease (a third of the store's default 3 s lease). */
export const PRESENCE_HEARTBEAT_MS = 1_000;
export const LOG_TRIM_INTERVAL_MS = 5_000;

export interface BackgroundTimersOptions {
  presence: PresenceStore;
  revocations: RevocationStore;
  nodeId: string;
  announcer: Pick<PresenceAnnouncer, 'tick'>;
  log: EventLog;
  onError: (error: Error) => void;
}

export interface BackgroundTimers {
  /** One beat now (start-up waits for the first one before the log reader starts). */
  heartbeat(): Promise<unknown>;
  stop(): void;
}

export function startBackgroundTimers({ presence, revocations, nodeId, announcer, log, onError }: BackgroundTimersOptions): BackgroundTimers {
  const heartbeat = () => Promise.all([presence.heartbeat(nodeId).catch(onError), revocations.check().catch(onError)]);
  const heartbeatTimer = setInterval(() => void heartbeat().then(() => announcer.tick()), PRESENCE_HEARTBEAT_MS);
  heartbeatTimer.unref();
  const trimTimer = setInterval(() => void log.trim().catch(onError), LOG_TRIM_INTERVAL_MS);
  trimTimer.unref();
  return {
    heartbeat,
    stop() {
      clearInterval(heartbeatTimer);
      clearInterval(trimTimer);
    },
  };
}
