/**
 * The package as an outside app gets it (issue 19, item 8): `npm run package` packs
 * dist/socket-gateway-<version>.tgz, a minimal app in a fresh folder OUTSIDE this repository
 * installs it from the registry's way (`npm install <tarball>` plus its own socket.io, redis and
 * zod 3), and runs a push end to end with its own events, each step a separate `node` process:
 * one node in memory; two nodes on one real redis-server plus a worker's emitter. Its TypeScript
 * (the app's own tsconfig) must compile, and a wrong event name must not.
 *
 * Nothing here reaches into src/: the app sees only what the tarball holds.
 * PACKAGE_TEST_LENIENT=1 passes --lenient to the build (pre-merge only, see scripts/package.mjs).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libraryEntries, readLibraryPackage } from '../../scripts/lib/package-entries.mjs';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { CONSUMER_DEPENDENCIES, consumerFiles } from './consumer-app';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = readLibraryPackage();
const entries = libraryEntries();
const tarball = join(ROOT, 'dist', `${pkg.name}-${pkg.version}.tgz`);
/** The server entry stays small: what an app uses, internals inside (issue 19 contract). */
const MAX_SERVER_NAMES = 25;

let app = '';
let redis: RedisServer | undefined;
const children: ChildProcess[] = [];
/** Export names per entry, or the error importing it threw: imported once, by a `node` with an empty environment. */
const imported = new Map<string, Promise<{ names?: string[]; error?: string; code?: string | null }>>();
function importEntry(specifier: string) {
  if (!imported.has(specifier))
    imported.set(
      specifier,
      runNode(['import-entry.mjs', specifier]).then(({ stdout }) => lastLine(stdout)),
    );
  return imported.get(specifier)!;
}

/** These variables and no others (the project's types make NODE_ENV a required key of process.env). */
const exactly = (env: Record<string, string>) => env as unknown as NodeJS.ProcessEnv;

/** Runs a script of the app with `node` and the given environment only (the library reads no settings). */
async function runNode(args: string[], env: Record<string, string> = {}, timeout = 30_000) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: app, env: exactly(env), timeout });
    return { stdout, stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number | string };
    throw new Error(`node ${args.join(' ')} failed (${failed.code}):\n${failed.stderr || failed.stdout || String(error)}`, { cause: error });
  }
}
const lastLine = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as Record<string, unknown>;

/** Starts a long-lived script; `next(test)` resolves with the first printed JSON line that passes `test`. */
function startNode(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, { cwd: app, env: exactly(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: { test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const waiter of waiters.splice(0)) {
      if (waiter.test(line)) waiter.resolve(line);
      else waiters.push(waiter);
    }
  });
  const next = (test: (line: Record<string, unknown>) => boolean, timeout = 15_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = lines.find(test);
      if (found) return resolve(found);
      const onExit = (code: number | null) => reject(new Error(`node ${args.join(' ')} exited (${code}); printed ${JSON.stringify(lines)}\n${stderr}`));
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        reject(new Error(`node ${args.join(' ')}: no such line within ${timeout} ms; printed ${JSON.stringify(lines)}\n${stderr}`));
      }, timeout);
      child.once('exit', onExit);
      waiters.push({
        test,
        resolve: (line) => {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(line);
        },
      });
    });
  return { child, lines, next };
}

/** Every name a declaration file exports, types included, as the app's TypeScript sees it. */
function declaredExports(file: string): string[] {
  const program = ts.createProgram([file], { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
  return module
    ? checker
        .getExportsOfModule(module)
        .map((symbol) => symbol.name)
        .sort()
    : [];
}

/** Fails, naming them, when an entry lacks names the contract gives it (before the facade lands: createSocketGateway…). */
async function expectNames(specifier: string, names: string[]) {
  const entry = await importEntry(specifier);
  expect(entry?.error, `importing ${specifier} failed`).toBeUndefined();
  const missing = names.filter((name) => !entry?.names?.includes(name));
  expect(missing, `${specifier} does not export ${missing.join(', ')} (issue 19's public contract)`).toEqual([]);
}

beforeAll(async () => {
  const lenient = process.env.PACKAGE_TEST_LENIENT === '1';
  try {
    const { stdout } = await run('npm', ['run', 'package', ...(lenient ? ['--', '--lenient'] : [])], { cwd: ROOT, timeout: 180_000 });
    console.log(stdout.trim().split('\n').at(-1));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run package failed:\n${failed.stderr ?? ''}${failed.stdout ?? ''}`, { cause: error });
  }
  app = realpathSync(mkdtempSync(join(tmpdir(), 'socket-gateway-consumer-')));
  for (const [file, text] of Object.entries(consumerFiles())) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
  // A clean npm environment: no repository .npmrc or workspace, the registry (and its cache) as any app has it.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...CONSUMER_DEPENDENCIES], {
    cwd: app,
    timeout: 180_000,
  });
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  if (app) rmSync(app, { recursive: true, force: true });
});

describe.sequential('socket-gateway, installed from its tarball into an app outside the repository', () => {
  it('lives outside the repository and holds only the built library', async () => {
    expect(app.startsWith(realpathSync(ROOT))).toBe(false);
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    console.log(`${tarball}: ${files.length} files, ${(statSync(tarball).size / 1024).toFixed(1)} kB`);
    expect(files.filter((file) => !/^package\/(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(file))).toEqual([]);
    expect(files.filter((file) => /\.test\.|\/test\/|\/src\/|\/app\//.test(file))).toEqual([]);
    for (const entry of entries) expect(files).toEqual(expect.arrayContaining([`package/${entry.output}`, `package/${entry.types}`]));
    // Nothing installed points back into the app (an `@/…` or `~/…` specifier would not resolve in any other app).
    const installed = join(app, 'node_modules', pkg.name);
    const leaks = files
      .filter((file) => /\.(js|d\.ts)$/.test(file))
      .filter((file) => /(from\s+|import\s*\(\s*)['"][@~]\//.test(readFileSync(join(installed, file.replace(/^package\//, '')), 'utf8')));
    expect(leaks).toEqual([]);
    // Next.js treats the browser entry as a client module.
    for (const entry of entries.filter((entry) => entry.browser)) expect(readFileSync(join(installed, entry.output), 'utf8')).toMatch(/^'use client';/);
  });

  it('imports every entry in an empty environment without throwing', async () => {
    const results = await Promise.all(entries.map(async (entry) => [entry.specifier, await importEntry(entry.specifier)] as const));
    const errors = results.filter(([, result]) => result.error !== undefined);
    // The SQLite backend's own entry needs its optional peer, which this app did not install: that,
    // and only that, may fail (every other entry must load without better-sqlite3).
    const expected = errors.filter(([specifier, result]) => specifier === `${pkg.name}/stores/sqlite` && /better-sqlite3/.test(result.error ?? ''));
    expect(errors.filter((error) => !expected.includes(error))).toEqual([]);
  });

  it(`exports fewer than ${MAX_SERVER_NAMES} names from the server entry (values and types)`, async () => {
    const values = (await importEntry(pkg.name)).names ?? [];
    const all = declaredExports(join(app, 'node_modules', pkg.name, entries[0]!.types));
    const types = all.filter((name) => !values.includes(name));
    console.log(`${pkg.name} exports ${all.length} names: ${values.length} values (${values.join(', ')}) and ${types.length} types (${types.join(', ')})`);
    expect(values.length).toBeGreaterThan(0);
    expect(all.length).toBeLessThan(MAX_SERVER_NAMES);
  });

  it('pushes to a stock socket.io-client on one node in memory, exactly the payload', async () => {
    await expectNames(pkg.name, ['createSocketGateway', 'getGateway']);
    const { stdout } = await runNode(['one-node.mjs']);
    const result = lastLine(stdout) as { sent: unknown[]; args: unknown[] | null; expiresAt: unknown };
    expect(result.args, `no order:shipped reached the client (sent ${JSON.stringify(result.sent)})`).not.toBeNull();
    expect(result.args).toHaveLength(1);
    expect(result.sent).toContainEqual(result.args?.[0]);
    expect(result.expiresAt).toEqual(expect.any(Number));
  });

  it('delivers on node B what node A emits, and what a worker emitter emits, through one redis-server', async () => {
    await expectNames(pkg.name, ['createSocketGateway']);
    await expectNames(`${pkg.name}/emitter`, ['createGatewayEmitter']);
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url };
    const nodeB = startNode(['redis-node.mjs'], { ...env, ROLE: 'serve' });
    const { port, token } = (await nodeB.next((line) => line.ready === true, 30_000)) as { port: number; token: string };
    const client = startNode(['client.mjs'], { URL: `http://127.0.0.1:${port}`, TOKEN: token });
    await client.next((line) => line.connected === true || 'connectError' in line);
    expect(client.lines.find((line) => 'connectError' in line)).toBeUndefined();

    /** Sends a fresh payload from a new process until the client prints it (the first join may still be under way). */
    async function deliver(event: string, script: string, payloadOf: (attempt: number) => Record<string, unknown>) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const payload = payloadOf(attempt);
        await runNode([script], { ...env, ROLE: 'emit', PAYLOAD: JSON.stringify(payload) });
        const got = await client
          .next((line) => line.event === event && JSON.stringify((line.args as unknown[])[0]) === JSON.stringify(payload), 5_000)
          .catch(() => undefined);
        if (got) return { payload, args: got.args };
      }
      throw new Error(`${event} from ${script} never reached the client on node B; it printed ${JSON.stringify(client.lines)}`);
    }
    const fromNodeA = await deliver('order:shipped', 'redis-node.mjs', (attempt) => ({ orderId: `order-a-${attempt}`, at: 1_700_000_000_000 + attempt }));
    expect(fromNodeA.args).toEqual([fromNodeA.payload]);
    const fromWorker = await deliver('invoice:paid', 'worker.mjs', (attempt) => ({ invoiceId: `invoice-${attempt}`, cents: 100 + attempt }));
    expect(fromWorker.args).toEqual([fromWorker.payload]);
  });

  it("type-checks the app against the package's declarations; a wrong event name does not compile", async () => {
    await expectNames(pkg.name, ['createSocketGateway', 'getGateway']);
    await expectNames(`${pkg.name}/react`, ['createSocketHooks']);
    // As create-t3-app / Next configure it (moduleResolution bundler), then as a plain Node ESM project.
    for (const config of ['tsconfig.json', 'tsconfig.node.json']) {
      try {
        await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(app, config)], { cwd: app, timeout: 120_000 });
      } catch (error) {
        throw new Error(`tsc -p ${config} in the app failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`, { cause: error });
      }
    }
  });
});
