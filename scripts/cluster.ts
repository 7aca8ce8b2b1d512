/**
 * Try several servers by hand: starts a local redis-server (no persistence, a free port) and
 * two nodes of the app on one Redis, so you can open one tab on each and watch events cross.
 *
 *   npm run cluster              # nodes on http://localhost:3000 and http://localhost:3001
 *   PORT=4000 npm run cluster    # nodes on 4000 and 4001
 *
 * Uses the production build (it runs `npm run build` first when there is none). Both nodes
 * share one generated NEXTAUTH_SECRET and allow each other's origin. Ctrl-C stops everything.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const basePort = Number(process.env.PORT || 3000);
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address !== 'string' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(name: string, command: string, args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `)));
  child.on('exit', (code) => {
    console.log(`[${name}] exited (${code})`);
    if (!stopping) stop(1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3_000).unref();
  Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop());
process.on('SIGTERM', () => stop());

async function main(): Promise<void> {
  if (spawnSync('redis-server', ['--version']).error) {
    console.error('redis-server not found: apt-get install -y redis-server');
    process.exit(1);
  }
  if (!existsSync('.next/BUILD_ID') || !existsSync('dist/server.mjs')) {
    console.log('> No production build yet: npm run build');
    if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) process.exit(1);
  }
  const redisPort = await freePort();
  run('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const ports = [basePort, basePort + 1];
  const origins = ports.map((port) => `http://localhost:${port}`);
  const shared = {
    NODE_ENV: 'production',
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET || randomBytes(32).toString('base64url'),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    SOCKET_ALLOWED_ORIGINS: origins.join(','),
    DEMO_USERS: process.env.DEMO_USERS || 'alice:demo:user,bob:demo:user,carol:demo:user,admin:demo:admin',
  };
  ports.forEach((port, i) => {
    run(`node ${i === 0 ? 'A' : 'B'}`, process.execPath, ['dist/server.mjs'], { ...shared, PORT: String(port), NEXTAUTH_URL: origins[i] });
  });
  console.log(`> Cluster: node A ${origins[0]}, node B ${origins[1]}, Redis ${shared.REDIS_URL} (Ctrl-C stops all)`);
}

void main();
