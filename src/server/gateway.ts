/**
 * The demo's gateway, typed by its events and its session user: a wrong event name or payload
 * does not compile. It drives whatever runtime the process started (server.ts's socket server,
 * through the one global holder), found lazily at each call (getGateway).
 */
import { getGateway } from 'socket-gateway';
import type { AppEvents } from '@/events';

/** The user the demo's room policy is asked about (the session's user). */
export interface AppUser {
  id: string;
  role: string;
}

export const gateway = getGateway<AppEvents, AppUser>();
