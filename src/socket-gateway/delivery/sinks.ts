/**
 * Where the gateway's emits go: an emit is appended to the event log and each node delivers it
 * from there to its own sockets (replay.ts), so every event has a position before anyone receives it.
 */
import type { EventMap } from '../event-map';
import type { EventLog, LogEntryInput } from '../stores/event-log';
import type { BroadcastTarget, EmitTarget } from '../types';
import { getLogger, type GatewayLogger } from '../observability/logger';
import { eventLabel, getMetrics } from '../observability/metrics';
import { currentRequestContext } from '../observability/request-context';
import { userRoom } from '../rooms';

export interface EventSink {
  /**
   * Resolves once the event is accepted for delivery; rejects when it cannot be (never a silent
   * drop). `dataJson`: `JSON.stringify(input.data)` when the caller has it (see EventLog.append).
   */
  publish(input: LogEntryInput, dataJson?: string): Promise<void>;
}

/** The Socket.IO selection an entry is addressed to (a room, everyone), minus its excluded socket. */
export function selectTarget(
  target: EmitTarget | BroadcastTarget,
  input: Pick<LogEntryInput, 'to' | 'exceptSocketId'>,
  personalRoom: (userId: string) => string = userRoom,
): BroadcastTarget {
  let selected: BroadcastTarget = target;
  if (input.to.kind === 'user') selected = selected.to(personalRoom(input.to.userId));
  else if (input.to.kind === 'room') selected = selected.to(input.to.room);
  if (input.exceptSocketId) selected = selected.except(input.exceptSocketId);
  return selected;
}

/**
 * Appends to the log; the nodes' log readers deliver. Each emit is a debug line (`event: "emit"`)
 * with its position and, when a tRPC call caused it, that call's `requestId` and `procedure`
 * (the tracing hook, request-context.ts). No payload, no recipient: names and kinds only.
 */
export function createLogSink(log: EventLog, logger: () => GatewayLogger = getLogger, events: EventMap = {}): EventSink {
  return {
    async publish(input, dataJson) {
      const request = currentRequestContext();
      const label = eventLabel(input.event, events);
      const entry = await log.append(input, dataJson);
      getMetrics().eventsEmitted.inc({ event: label, target: input.to.kind });
      logger().debug(
        {
          event: 'emit',
          name: label,
          target: input.to.kind,
          position: entry.position,
          ...(request ? { requestId: request.requestId, procedure: request.path } : {}),
        },
        `emit ${label} to ${input.to.kind}`,
      );
    },
  };
}
