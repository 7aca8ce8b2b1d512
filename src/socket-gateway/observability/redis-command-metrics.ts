/**
 * Redis command latency and failures (issue 13), measured through node-redis's own tracing hook:
 * every command a node-redis client sends goes through the `node-redis:command` TracingChannel
 * (node:diagnostics_channel), which publishes a start and an end per command to whoever
 * subscribes, and costs nothing while nobody does. One subscription per process covers every
 * client (the stores', the adapter's, the event log's) without wrapping any of them.
 *
 * The label is the command name from a fixed list (anything else is "other"), never a key or an
 * argument. A blocking read (XREAD BLOCK) waits for new entries by design: its "latency" is the
 * wait, so it is left out.
 * @see https://github.com/redis/node-redis/blob/master/packages/client/lib/client/tracing.ts
 * @see https://nodejs.org/api/diagnostics_channel.html#class-tracingchannel
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { getMetrics, type GatewayMetrics } from './metrics';
import { processSlot } from '../process-holder';

/** The channel node-redis (v6) traces every command on (its `CHANNELS.TRACE_COMMAND`). */
export const REDIS_COMMAND_CHANNEL = 'node-redis:command';

/** The commands the gateway, the Socket.IO Redis adapter and the emitter send; anything else is counted as "other". */
export const REDIS_COMMAND_LABELS = new Set([
  'EVALSHA',
  'EVAL',
  'GET',
  'SET',
  'MGET',
  'SMEMBERS',
  'SISMEMBER',
  'XADD',
  'XREAD',
  'XRANGE',
  'XREVRANGE',
  'XTRIM',
  'XLEN',
  'PUBLISH',
  'SPUBLISH',
  'PUBSUB',
  'PING',
  'INFO',
]);

/** What node-redis puts in each command's trace context (the fields used here). */
interface CommandContext {
  command: string;
  args: readonly string[];
}

const STARTED = Symbol('startedAt');
type Timed = CommandContext & { [STARTED]?: number };

export function commandLabel(command: string): string {
  return REDIS_COMMAND_LABELS.has(command) ? command : 'other';
}

const isBlocking = ({ command, args }: CommandContext) => (command.startsWith('X') && args.includes('BLOCK')) || /^B(L|R|Z|LM)/.test(command);

const observed = processSlot<boolean>('redisCommandsObserved');

/** Starts counting every node-redis command of this process into `metrics` (once per process; later calls do nothing). */
export function observeRedisCommands(metrics: GatewayMetrics = getMetrics()): void {
  if (observed.get()) return;
  observed.set(true);
  // One child per label, made once: observe() on a child skips prom-client's label hashing per command.
  const timers = new Map<string, { observe(seconds: number): void }>();
  const timerOf = (command: string) => {
    const label = commandLabel(command);
    let timer = timers.get(label);
    if (!timer) timers.set(label, (timer = metrics.redisCommandDuration.labels({ command: label })));
    return timer;
  };
  const channel = tracingChannel<unknown, Timed>(REDIS_COMMAND_CHANNEL);
  channel.subscribe({
    start(context) {
      if (!isBlocking(context)) context[STARTED] = performance.now();
    },
    end() {},
    asyncStart() {},
    asyncEnd(context) {
      const started = context[STARTED];
      if (started !== undefined) timerOf(context.command).observe((performance.now() - started) / 1000);
    },
    error(context) {
      metrics.redisCommandErrors.inc({ command: commandLabel(context.command) });
    },
  });
}
