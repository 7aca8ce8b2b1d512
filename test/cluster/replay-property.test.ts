/**
 * Nothing lost, as a property (issue 11, Tests): over random interleavings of emits (to users,
 * rooms and everyone, from an emitter in this process), dropped connections, reconnects and
 * switches between the two nodes, what each tab received is exactly what was addressed to it, in
 * order — or, where that cannot be, a resync was reported to it; and never anything of anyone else's.
 *
 * One cluster for every run (two server.ts nodes on one Redis); three tabs (the browser's socket
 * store) each behind its own proxy. Each run ends by letting every tab back in and sending a
 * closing broadcast: once every tab has it, everything before it has been delivered too.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEmitter } from '../helpers/cluster';
import { signIn } from '../helpers/app-process';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster';
import { compareDelivery, emitTo, expectedFor, receivedIds, type Address, type Sent } from '../helpers/delivery-oracle';
import { settle } from '../helpers/socket-server';
import { openStoreTab, type StoreTab } from '../helpers/store-tab';

const RUNS = 100;
const USERS = ['alice', 'bob', 'carol'] as const;
type User = (typeof USERS)[number];
const ROOMS: Record<User, string[]> = { alice: ['r1'], bob: ['r1', 'r2'], carol: ['r2'] };
const ADDRESSES: Address[] = [
  ...USERS.map((userId) => ({ kind: 'user' as const, userId })),
  { kind: 'user', userId: 'admin' }, // signed in nowhere: nobody here may receive it
  { kind: 'room', room: 'r1' },
  { kind: 'room', room: 'r2' },
  { kind: 'room', room: 'r3' }, // nobody's room
  { kind: 'all' },
];

type Command =
  { kind: 'emit'; to: number } | { kind: 'drop'; user: User } | { kind: 'back'; user: User } | { kind: 'switch'; user: User } | { kind: 'pause'; ms: number };

const user = fc.constantFrom(...USERS);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('emit' as const), to: fc.nat({ max: ADDRESSES.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('back' as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('switch' as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 40 }) }) },
);

let cluster: Cluster;
let nodes: ClusterNode[];
let emitter: AppEmitter;
const tabs = {} as Record<User, StoreTab>;
/** Which node each tab's proxy points at (index into `nodes`). */
const at = {} as Record<User, number>;

beforeAll(async () => {
  cluster = await startCluster({ keyPrefix: 'cluster-property:' });
  nodes = cluster.nodes;
  emitter = await cluster.emitter();
  for (const [i, name] of USERS.entries()) {
    for (const room of ROOMS[name]) await emitter.enterRoom({ id: name, role: 'user' }, room);
    at[name] = i % 2;
    tabs[name] = await openStoreTab({ session: await signIn(nodes[0]!.url, name), userId: name, port: nodes[at[name]]!.port });
  }
});

afterAll(async () => {
  for (const tab of Object.values(tabs)) await tab.close();
  await cluster?.stop();
});

describe('replay property', () => {
  it(`over ${RUNS} random interleavings of emits, drops, reconnects and node switches, each tab receives exactly what was addressed to it, in order, or is told to resync`, async () => {
    let run = 0;
    const totals = { emitted: 0, delivered: 0, replayed: 0, reconnects: 0, switches: 0, resyncRuns: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (commands) => {
        const prefix = `p${(run += 1)}-`;
        const sent: Sent[] = [];
        const before = Object.fromEntries(
          USERS.map((name) => [name, { syncs: tabs[name].syncs.length, resyncs: tabs[name].resyncs, received: tabs[name].received.length }]),
        ) as Record<User, { syncs: number; resyncs: number; received: number }>;
        for (const [n, step] of commands.entries()) {
          if (step.kind === 'emit') {
            const id = `${prefix}${n}`;
            await emitTo(emitter, ADDRESSES[step.to]!, id);
            sent.push({ id, to: ADDRESSES[step.to]! });
          } else if (step.kind === 'drop') tabs[step.user].away();
          else if (step.kind === 'back') tabs[step.user].back();
          else if (step.kind === 'switch') {
            at[step.user] = 1 - at[step.user];
            tabs[step.user].moveTo(nodes[at[step.user]]!.port);
            totals.switches += 1;
          } else await settle(step.ms);
        }
        // Close the run: everyone back in, then a broadcast that every tab must see last.
        for (const name of USERS) tabs[name].back();
        const end = `${prefix}end`;
        await emitTo(emitter, { kind: 'all' }, end);
        sent.push({ id: end, to: { kind: 'all' } });
        // Then one more (outside the run's ids): a duplicate of the last one would arrive before it.
        const after = `after-${prefix}`;
        await emitTo(emitter, { kind: 'all' }, after);
        for (const name of USERS) {
          const deadline = Date.now() + 30_000;
          while (!receivedIds(tabs[name], after, before[name].received).length) {
            if (Date.now() > deadline) throw new Error(`${name} never received ${after} (status ${JSON.stringify(tabs[name].store.getSnapshot())})`);
            await settle(10);
          }
        }
        for (const name of USERS) {
          const tab = tabs[name];
          const expected = expectedFor(sent, name, new Set(ROOMS[name]));
          const received = receivedIds(tab, prefix, before[name].received);
          const report = compareDelivery(expected, received);
          // Never anything of anyone else's, resync or not.
          expect({ name, foreign: report.foreign }).toEqual({ name, foreign: 0 });
          const resynced = tab.resyncs > before[name].resyncs;
          if (resynced) totals.resyncRuns += 1;
          else expect({ name, commands, received }).toEqual({ name, commands, received: expected });
          totals.delivered += received.length;
          const newSyncs = tab.syncs.slice(before[name].syncs);
          totals.reconnects += newSyncs.length;
          totals.replayed += newSyncs.reduce((sum, sync) => sum + sync.replayed, 0);
        }
        totals.emitted += sent.length;
      }),
      { numRuns: RUNS },
    );
    console.log(`replay property: ${run} runs, ${JSON.stringify(totals)}`);
  }, 240_000);
});
