/**
 * A CPU profile of another process through its inspector (`node --inspect=127.0.0.1:0`):
 * the DevTools protocol over the WebSocket URL the process prints on stderr. Unlike
 * `--cpu-prof` (start to exit), it covers exactly the window between `start()` and `stop()`.
 * @see https://chromedevtools.github.io/devtools-protocol/v8/Profiler/
 */
import WebSocket from 'ws';
import type { CpuProfile } from './cpu-profile';

/** The inspector URL in what a process printed (`Debugger listening on ws://…`), or null. */
export function inspectorUrl(output: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? null;
}

export interface InspectorProfiler {
  start(samplingIntervalUs?: number): Promise<void>;
  stop(): Promise<CpuProfile>;
  close(): void;
}

export async function connectProfiler(wsUrl: string): Promise<InspectorProfiler> {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.on('message', (frame: Buffer) => {
    const message = JSON.parse(frame.toString()) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  return {
    async start(samplingIntervalUs = 250) {
      await call('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
      await call('Profiler.start');
    },
    async stop() {
      return (await call<{ profile: CpuProfile }>('Profiler.stop')).profile;
    },
    close() {
      socket.close();
    },
  };
}
