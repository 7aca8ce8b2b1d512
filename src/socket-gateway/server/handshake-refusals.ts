/**
 * What the socket server tells the operator about its background and its refusals: every
 * refused handshake is counted by outcome and logged at most once per kind per 10 s (with how
 * many were left out), and background errors are logged once per distinct message per 10 s:
 * a flood of refusals, or a Redis outage failing every heartbeat, is one line, not a flood.
 */
import { createThrottle, type GatewayLogger } from '../observability/logger';
import type { GatewayMetrics, HandshakeOutcome } from '../observability/metrics';

export type RefusedOutcome = Exclude<HandshakeOutcome, 'accepted'>;
/** Counts and logs one refused handshake. */
export type RefusalReporter = (outcome: RefusedOutcome, reason: string) => void;

export function createRefusalReporter(metrics: GatewayMetrics, logger: GatewayLogger): RefusalReporter {
  const throttle = createThrottle();
  return (outcome, reason) => {
    metrics.handshakes.inc({ outcome });
    throttle(`refused:${outcome}`, (suppressed) =>
      logger.info({ event: 'handshake_refused', outcome, reason, ...(suppressed ? { suppressed } : {}) }, `handshake refused: ${reason}`),
    );
  };
}

/** Background errors (the log reader, presence bookkeeping) to the log, once per distinct message per `windowMs`. */
export function createErrorReporter(logger: GatewayLogger, windowMs = 10_000): (error: Error) => void {
  const lastSeen = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if ((lastSeen.get(error.message) ?? -Infinity) > now - windowMs) return;
    if (lastSeen.size > 100) lastSeen.clear();
    lastSeen.set(error.message, now);
    logger.error({ event: 'background_error', error: error.message }, `socket-gateway: ${error.message}`);
  };
}
