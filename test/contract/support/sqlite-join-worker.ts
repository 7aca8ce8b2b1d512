/**
 * A separate process joining rooms on a shared SQLite file, for the cross-process cap test.
 * argv: <db path> <userId> <first room index> <count> <maxRooms> <start at, epoch ms>; prints the
 * accepted count as JSON. Every worker waits for the same start time so that their joins overlap.
 */
import { createSqliteMembershipStore, openDatabase } from 'socket-gateway/stores/sqlite';

const [path, userId, first, count, maxRooms, startAt] = process.argv.slice(2);
if (!path || !userId || !first || !count || !maxRooms || !startAt) {
  throw new Error('usage: <path> <userId> <first> <count> <maxRooms> <startAt>');
}
const db = openDatabase(path);
const store = createSqliteMembershipStore(db);
await new Promise((resolve) => setTimeout(resolve, Number(startAt) - Date.now()));
let accepted = 0;
for (let i = Number(first); i < Number(first) + Number(count); i++) {
  if ((await store.join(userId, `room-${i}`, Number(maxRooms))).ok) accepted++;
}
db.close();
process.stdout.write(JSON.stringify({ accepted }));
