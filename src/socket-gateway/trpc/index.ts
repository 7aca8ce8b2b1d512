/**
 * The `socket-gateway/trpc` entry: the gateway's events as a tRPC subscription (server-sent
 * events), and the transport-neutral event streams under it.
 * @see ./events-subscription.ts
 * @see ../sse/event-stream.ts
 */
export {
  createEventsSubscription,
  parseEventsInput,
  type EventsInput,
  type EventsSubscriptionOptions,
  type StreamEvent,
  type StreamUser,
} from './events-subscription';
export {
  createEventStreams,
  EventStreamClosedError,
  EventStreamLimitError,
  formatEventId,
  parseEventId,
  STREAM_SYNC_EVENT,
  type EventStreamItem,
  type EventStreams,
  type EventStreamsOptions,
  type OpenStreamOptions,
} from '../sse/event-stream';
