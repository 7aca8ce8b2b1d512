/**
 * The bench's `direct` path: an EventSink that emits straight through Socket.IO (through the Redis
 * adapter when there is one), without the event log, to measure what the log costs. Bench-only:
 * the product has no supported way to run without the log, so this lives here, built from public
 * exports, and not in the library.
 */
import { userRoom, type EmitTarget, type EventSink } from 'socket-gateway/advanced';

type Selection = ReturnType<EmitTarget['to']>;

/** Emits at once through `target` (synchronously, before the returned promise settles). */
export function createDirectSink(target: EmitTarget): EventSink {
  return {
    async publish(input) {
      let selected: Selection | EmitTarget = target;
      if (input.to.kind === 'user') selected = selected.to(userRoom(input.to.userId));
      else if (input.to.kind === 'room') selected = selected.to(input.to.room);
      if (input.exceptSocketId) selected = selected.except(input.exceptSocketId);
      selected.emit(input.event, input.data);
    },
  };
}
