/**
 * One process-global holder (issue 19, item 9): the library keeps everything process-wide in ONE
 * object on globalThis (`Symbol.for('socket-gateway')`), the app in one of its own
 * (`Symbol.for('socket-gateway.app')`), instead of a `Symbol.for` key per module (there were
 * eleven). Each module copy Next bundles must still find what server.ts's copy registered.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getEnv } from '@/env';
import { sharedAuthLogger } from '@/server/auth-logger';
import { signInThrottle } from '@/server/http/sign-in-throttle';
import { getServerPhase, setServerPhase } from '@/server/lifecycle';
import { appSlot } from '@/server/process-holder';
import { getLogger } from 'socket-gateway/advanced';
import { findMetricsSampler, registerMetricsSampler, unregisterMetricsSampler, type MetricsSampler } from 'socket-gateway/advanced';
import { getMetrics } from 'socket-gateway/advanced';
import { processSlot } from '@/socket-gateway/process-holder';
import { observeRedisCommands } from 'socket-gateway/advanced';
import { findGatewayRuntime, registerGatewayRuntime, type GatewayRuntime } from 'socket-gateway/advanced';
import { unregisterGatewayRuntime } from '@/socket-gateway/registry';
import { currentRequestContext, runWithRequestContext } from 'socket-gateway/advanced';

/** The process-global keys that belong to this project (library or app). */
const projectKeys = () =>
  Object.getOwnPropertySymbols(globalThis)
    .map((symbol) => symbol.description ?? '')
    .filter((description) => description.startsWith('socket-gateway'))
    .sort();

// The runtime carries the gateway's injected logger: every module copy logs through it (logger.ts has no slot of its own).
const injectedLogger = { debug() {}, info() {}, warn() {}, error() {} };
const fakeRuntime = { maxRoomsPerUser: 1, logger: injectedLogger } as unknown as GatewayRuntime;
const fakeSampler = {} as MetricsSampler;

afterEach(() => {
  unregisterGatewayRuntime(fakeRuntime);
  unregisterMetricsSampler(fakeSampler);
  setServerPhase('serving');
});

describe('process-global state', () => {
  it('lives under two keys on globalThis, whatever the modules put there: the library and the app', () => {
    // Touch every piece of process-wide state, library and app.
    getLogger();
    getMetrics();
    observeRedisCommands();
    registerGatewayRuntime(fakeRuntime);
    registerMetricsSampler(fakeSampler);
    runWithRequestContext({ requestId: 'r1', path: 'x.y' }, () => expect(currentRequestContext()?.requestId).toBe('r1'));
    getEnv();
    setServerPhase('draining');
    sharedAuthLogger();
    signInThrottle();

    expect(projectKeys()).toEqual(['socket-gateway', 'socket-gateway.app']);
    const library = (globalThis as Record<symbol, Record<string, unknown>>)[Symbol.for('socket-gateway')]!;
    expect(Object.keys(library).sort()).toEqual(['metrics', 'metricsSampler', 'redisCommandsObserved', 'requestContext', 'runtime']);
    const app = (globalThis as Record<symbol, Record<string, unknown>>)[Symbol.for('socket-gateway.app')]!;
    expect(Object.keys(app).sort()).toEqual(expect.arrayContaining(['authLogger', 'env', 'phase', 'signInThrottle']));
  });

  it('is shared by every module copy: a fresh copy of each module finds what the first one registered', async () => {
    registerGatewayRuntime(fakeRuntime);
    registerMetricsSampler(fakeSampler);
    setServerPhase('draining');
    expect(getLogger()).toBe(injectedLogger);
    const metrics = getMetrics();
    vi.resetModules(); // what Next does: its bundle has its own copy of every module
    const registry = await import('@/socket-gateway/registry');
    const sampler = await import('@/socket-gateway/observability/metrics-sampler');
    const loggerCopy = await import('@/socket-gateway/observability/logger');
    const metricsCopy = await import('@/socket-gateway/observability/metrics');
    const lifecycle = await import('@/server/lifecycle');
    const context = await import('@/socket-gateway/observability/request-context');
    expect(registry.findGatewayRuntime).not.toBe(findGatewayRuntime); // really another copy
    expect(registry.findGatewayRuntime()).toBe(fakeRuntime);
    expect(sampler.findMetricsSampler()).toBe(fakeSampler);
    expect(loggerCopy.getLogger()).toBe(injectedLogger);
    expect(metricsCopy.getMetrics()).toBe(metrics);
    expect(lifecycle.getServerPhase()).toBe('draining');
    runWithRequestContext({ requestId: 'r2', path: 'a.b' }, () => expect(context.currentRequestContext()?.requestId).toBe('r2'));
    // And the other way round: a copy unregistering its own clears the slot for everyone.
    registry.unregisterGatewayRuntime(fakeRuntime);
    expect(findGatewayRuntime()).toBeUndefined();
    expect(findMetricsSampler()).toBe(fakeSampler);
    expect(getServerPhase()).toBe('draining');
  });
});

describe('processSlot', () => {
  it('creates a value once, on first use, and keeps it', () => {
    const slot = processSlot<{ n: number }>('requestContext');
    const saved = slot.get();
    try {
      slot.clear();
      const create = vi.fn(() => ({ n: 1 }));
      const first = slot.getOrCreate(create);
      expect(slot.getOrCreate(create)).toBe(first);
      expect(create).toHaveBeenCalledTimes(1);
    } finally {
      if (saved) slot.set(saved);
      else slot.clear();
    }
  });

  it('clearIf leaves a value that replaced the one it names', () => {
    const slot = processSlot<object>('runtime');
    const older = {};
    const newer = {};
    slot.set(older);
    slot.set(newer);
    slot.clearIf(older);
    expect(slot.get()).toBe(newer);
    slot.clearIf(newer);
    expect(slot.get()).toBeUndefined();
  });

  it('the app slots have their own object', () => {
    const slot = appSlot<string>('phase');
    slot.set('draining');
    expect(processSlot<unknown>('runtime').get()).toBeUndefined();
    expect((globalThis as Record<symbol, Record<string, unknown>>)[Symbol.for('socket-gateway')]).not.toHaveProperty('phase');
    slot.clear();
  });
});
