const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** `14:05` for an epoch-ms time (events carry `sentAt` as epoch ms). */
export function formatTime(epochMs: number): string {
  return timeFormat.format(new Date(epochMs));
}
