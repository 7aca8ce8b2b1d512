/**
 * A bench child process (server under test or load generator) with request/reply over IPC.
 * Children run through `sh -c 'ulimit -n <hard>; exec taskset -c <core> node …'`: the open
 * file limit is raised to the hard limit (10,000 clients need more than the usual 1,024) and
 * the child is pinned to its core when `taskset` exists.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';

let tasksetChecked: boolean | undefined;

export function hasTaskset(): boolean {
  tasksetChecked ??= spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  return tasksetChecked && cpus().length >= 2;
}

/** The open-file limits (soft, hard) a child gets after raising its soft limit. */
export function fileLimits(): { soft: number; hard: number } {
  const out = spawnSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout.trim().split('\n');
  const parse = (value: string | undefined) => (value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value));
  return { soft: parse(out[0]), hard: parse(out[1]) };
}

/** Pins an already running process (and its threads) to `core`. */
export function pinProcess(pid: number, core: number): void {
  if (hasTaskset()) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

type Message = { type: string; id?: number };
/** Omit over each member of a union. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class Child<Command extends Message, Reply extends Message> {
  private readonly waiters = new Map<string, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private exitError: Error | null = null;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly label: string,
    readonly process: ChildProcess,
  ) {
    process.on('message', (message: Reply) => {
      const key = `${message.type}:${message.id ?? ''}`;
      const waiter = this.waiters.get(key);
      if (waiter) {
        this.waiters.delete(key);
        waiter.resolve(message);
      }
    });
    this.exited = new Promise((resolve) => {
      process.once('exit', (code, signal) => {
        this.exitError = new Error(`${label} exited (code ${code}, signal ${signal})`);
        for (const waiter of this.waiters.values()) waiter.reject(this.exitError);
        this.waiters.clear();
        resolve(code);
      });
    });
  }

  static start<C extends Message, R extends Message>(options: {
    label: string;
    script: string;
    env: Record<string, string>;
    core?: number;
    cwd: string;
    nodeArgs?: string[];
  }): Child<C, R> {
    const node = [process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', options.script];
    const command = options.core !== undefined && hasTaskset() ? ['taskset', '-c', String(options.core), ...node] : node;
    const child = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...command], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Child<C, R>(options.label, child);
  }

  /** Resolves with the next message of `type` (and `id`, for replies to a request). */
  waitFor<T extends Reply['type']>(type: T, id?: number, timeoutMs = 120_000): Promise<Extract<Reply, { type: T }>> {
    if (this.exitError) return Promise.reject(this.exitError);
    const key = `${type}:${id ?? ''}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`${this.label}: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(key, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as Extract<Reply, { type: T }>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  id(): number {
    return this.nextId++;
  }

  send(command: Command): void {
    this.process.send(command);
  }

  /** Sends `command` (its id filled in) and resolves with the reply of `replyType`. */
  request<T extends Reply['type']>(command: Without<Command, 'id'> & { id?: number }, replyType: T, timeoutMs?: number): Promise<Extract<Reply, { type: T }>> {
    const id = command.id ?? this.id();
    const reply = this.waitFor(replyType, id, timeoutMs);
    this.send({ ...command, id } as unknown as Command);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}
