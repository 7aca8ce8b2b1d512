'use client';
/**
 * The demo's socket hooks, typed by its events (made once; components import them from here).
 * Only the TYPE of the event map comes in: no schema reaches the browser bundle.
 */
import type { AppEvents } from '@/events';
import { createSocketHooks } from 'socket-gateway/react';

export const { SocketProvider, useSocketEvent, useSocketStatus, useSocket, useRoomPresence, useInvalidateOnEvent, useInvalidateOnResync } =
  createSocketHooks<AppEvents>();
