/**
 * What one Redis command costs the gateway's process in CPU: node-redis's default per-command
 * timeout (an `AbortSignal.timeout` each) against the gateway's shared deadline per slice
 * (src/socket-gateway/stores/redis/command-deadline.ts), the same GET on the same connection, with
 * 1, 10, 100 and 500 commands in flight. A throwaway redis-server on core 0, this process on core 1.
 *
 *   npx tsx bench/redis-commands/run.ts [--commands 50000] [--rounds 3]
 *
 * Prints CPU µs per command (process.cpuUsage, this process only) per setting: the median and
 * min–max of the rounds, interleaved. Run it on a quiet machine.
 */
import { parseArgs } from 'node:util';
import { connectRedis, createGatewayRedisClient, withCommandDeadlines, type RedisStoreClient } from 'socket-gateway/stores/redis';
import { startBenchRedis } from '../lib/bench-redis';
import { pinProcess } from '../lib/child';
import { fmt, spread } from '../lib/stats';

const { values } = parseArgs({ options: { commands: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' } } });
const COMMANDS = Number(values.commands);
const ROUNDS = Number(values.rounds);

pinProcess(process.pid, 1);
const redis = await startBenchRedis(0);
const client = await connectRedis(createGatewayRedisClient(redis.url), redis.url, 5_000);
await client.set('bench:k', 'v');
const settings: Record<string, RedisStoreClient> = { 'node-redis timeout (default)': client, 'shared deadline (gateway)': withCommandDeadlines(client) };

async function round(target: RedisStoreClient, inFlight: number): Promise<void> {
  for (let sent = 0; sent < COMMANDS; sent += inFlight) await Promise.all(Array.from({ length: inFlight }, () => target.get('bench:k')));
}

// A round's CPU is counted until 5.5 s after it, so the timers its commands armed (node-redis's
// fire 5 s later) are paid for inside it.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
console.log(`${COMMANDS} GETs per round, ${ROUNDS} rounds, CPU µs per command (this process), median (min–max)`);
for (const inFlight of [1, 10, 100, 500]) {
  const results: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, target] of Object.entries(settings)) {
      const before = process.cpuUsage();
      await round(target, inFlight);
      await sleep(5_500);
      const used = process.cpuUsage(before);
      (results[name] ??= []).push((used.user + used.system) / COMMANDS);
    }
  }
  for (const [name, samples] of Object.entries(results)) {
    const s = spread(samples);
    console.log(`  in flight ${String(inFlight).padStart(3)}  ${name.padEnd(30)} ${fmt(s.median)} µs (${fmt(s.min)}–${fmt(s.max)})`);
  }
}
await client.close();
await redis.stop();
