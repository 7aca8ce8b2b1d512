/**
 * A small EventSource over fetch for Node (20 has none): what tRPC's `httpSubscriptionLink` takes
 * as its `EventSource` option, and what a test drives by hand. It reconnects as the standard one
 * does (after the stream ends or the network drops, not after `close()` or a refused response),
 * sending the last id it received as `Last-Event-ID`, so a resume is exercised as a browser does it.
 * `drop()` cuts the current response mid-stream, like a lost connection.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */

export interface SseMessage {
  type: string;
  data: string;
  lastEventId: string;
}

type Listener = (event: SseMessage | { type: 'open' | 'error' }) => void;

export interface FetchEventSourceInit {
  headers?: Record<string, string>;
  /** Wait before reconnecting (ms; default 20: tests, not a browser's 3 s). */
  retryMs?: number;
}

export class FetchEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  /** The id of the last event received (sent as `Last-Event-ID` on a reconnect). */
  lastEventId = '';
  /** Every request made, with the `Last-Event-ID` it sent (tests look at resumes). */
  readonly requests: { lastEventId: string | undefined }[] = [];
  /** Status of the last response (a refused one closes the source). */
  status: number | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private controller: AbortController | undefined;
  private readonly retryMs: number;
  private held: Promise<void> | undefined;
  private releaseHold: (() => void) | undefined;

  constructor(
    readonly url: string,
    private readonly init: FetchEventSourceInit = {},
  ) {
    this.retryMs = init.retryMs ?? 20;
    void this.connect();
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  close(): void {
    this.readyState = FetchEventSource.CLOSED;
    this.controller?.abort();
  }

  /**
   * Cuts the current response as a lost network would: the source reconnects with its last id,
   * at once or (`hold`) only after `release()`, so a test can emit while it is away.
   */
  drop({ hold = false }: { hold?: boolean } = {}): void {
    if (hold) this.held = new Promise<void>((resolve) => (this.releaseHold = resolve));
    this.controller?.abort();
  }

  /** Lets a source dropped with `hold` reconnect. */
  release(): void {
    this.releaseHold?.();
    this.held = undefined;
  }

  private dispatch(type: string, event: SseMessage | { type: 'open' | 'error' }): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener(event);
  }

  private async connect(): Promise<void> {
    while (this.readyState !== FetchEventSource.CLOSED) {
      const controller = (this.controller = new AbortController());
      const headers: Record<string, string> = { accept: 'text/event-stream', ...this.init.headers };
      if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
      this.requests.push({ lastEventId: headers['last-event-id'] });
      try {
        const response = await fetch(this.url, { headers, signal: controller.signal });
        this.status = response.status;
        if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body) {
          this.readyState = FetchEventSource.CLOSED;
          await response.body?.cancel().catch(() => {});
          this.dispatch('error', { type: 'error' });
          return;
        }
        this.readyState = FetchEventSource.OPEN;
        this.dispatch('open', { type: 'open' });
        await this.read(response.body);
      } catch {
        // a drop, a refused connection: reconnect below unless closed
      }
      if (this.readyState === FetchEventSource.CLOSED) return;
      this.readyState = FetchEventSource.CONNECTING;
      this.dispatch('error', { type: 'error' });
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
      await this.held;
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let type = '';
    let data: string[] = [];
    let id: string | undefined;
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let newline = buffer.search(/\r\n|\r|\n/); newline >= 0; newline = buffer.search(/\r\n|\r|\n/)) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (id !== undefined) this.lastEventId = id;
          id = undefined;
          if (data.length > 0) this.dispatch(type || 'message', { type: type || 'message', data: data.join('\n'), lastEventId: this.lastEventId });
          type = '';
          data = [];
          if (this.readyState === FetchEventSource.CLOSED) return;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
    }
  }
}
