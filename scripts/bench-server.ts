import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Injectable, type INestApplication, Module, Request, UseGuards } from '@nestjs/common';
import { AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AUDIT_MODULE_OPTIONS, type AuditStore, AuditTrail, type ResolvedAuditOptions } from '@bastion/audit';
import { applyMigrations, type DatabaseConnection, PrismaClient } from '@bastion/database';
import { createApiApp } from '../apps/api/src/bootstrap';
import { seedDemo } from '../prisma/seed';
import { MIGRATIONS_DIR, openConfiguredDatabase } from './database';

// One server of `npm run bench`, forked by scripts/bench.ts with an IPC
// channel: BENCH_SERVER is `raw` (node:http), `bare` (Nest with one route,
// nothing else), `textbook` (the JWT route of the Nest docs, see below) or
// `api` (the whole demo API, configured by the environment like
// `npm run start:api`). It tells the parent its port, and answers the
// parent's questions (peak RSS, CPU time, audit buffer depth) and commands
// (block the audit store, start and stop the CPU profiler, stop) over IPC.
// Loopback only.

type Command = {
  id: number;
  cmd: 'rss' | 'cpu' | 'thread-cpu' | 'audit-block' | 'audit-release' | 'audit-depth' | 'profile-start' | 'profile-stop' | 'stop';
  /** profile-start: the sampling interval in µs; profile-stop: the .cpuprofile file to write. */
  arg?: string | number;
};

@Controller('health')
class BareController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

// The textbook JWT server: the peer issue 15 measures the API against. Written as the
// Nest docs' "Implementing Passport JWT" and the common boilerplates write it:
// @nestjs/passport + passport-jwt, a bearer token checked against one public key, the
// payload mapped to a user object, no database, no logging. The bench makes the ES256
// key pair, passes the public key in BENCH_TEXTBOOK_PUBLIC_KEY and signs the token
// (scripts/bench-peers.ts).
@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: process.env.BENCH_TEXTBOOK_PUBLIC_KEY ?? '',
      algorithms: ['ES256'],
    });
  }

  validate(payload: { sub: string; tid?: string; role?: string; scope?: string }) {
    return { userId: payload.sub, tenantId: payload.tid, role: payload.role, scope: payload.scope };
  }
}

@Controller()
class TextbookController {
  @UseGuards(AuthGuard('jwt'))
  @Get('me')
  me(@Request() req: { user: unknown }) {
    return req.user;
  }
}

@Module({ imports: [PassportModule], controllers: [TextbookController], providers: [JwtStrategy] })
class TextbookModule {}

async function startRaw(): Promise<Server> {
  const body = JSON.stringify({ status: 'ok' });
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/health/live' ? 200 : 404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function startNest(module: typeof BareModule | typeof TextbookModule): Promise<INestApplication> {
  const adapter = process.env.HTTP_ADAPTER === 'express' ? new (await import('@nestjs/platform-express')).ExpressAdapter() : new (await import('@nestjs/platform-fastify')).FastifyAdapter();
  const app = await NestFactory.create<INestApplication>(module, adapter as unknown as AbstractHttpAdapter, { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

/**
 * Wraps the audit store the app was given: while blocked, every batch waits
 * (as a database that hangs would) until released. Used to show that a
 * request never waits for its audit event.
 */
class GatedAuditStore implements AuditStore {
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  constructor(private readonly inner: AuditStore) {}

  block(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
    this.gate = Promise.resolve();
  }

  async appendBatch(...args: Parameters<AuditStore['appendBatch']>): Promise<void> {
    await this.gate;
    return this.inner.appendBatch(...args);
  }

  readChain(...args: Parameters<AuditStore['readChain']>) {
    return this.inner.readChain(...args);
  }
}

async function startApi(): Promise<{ app: INestApplication; db?: DatabaseConnection; gated: GatedAuditStore }> {
  let db: DatabaseConnection | undefined;
  // The bench migrates and seeds a shared PostgreSQL once itself; each embedded server has its own folder.
  if (!process.env.DATABASE_URL) {
    db = await openConfiguredDatabase();
    await applyMigrations(db, MIGRATIONS_DIR);
    const prisma = new PrismaClient({ adapter: db.adapter as never });
    await seedDemo(prisma);
    await prisma.$disconnect();
  }
  const { app } = await createApiApp();
  const options = app.get<ResolvedAuditOptions>(AUDIT_MODULE_OPTIONS);
  const gated = new GatedAuditStore(options.store);
  options.store = gated;
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  return { app, db, gated };
}

/**
 * The V8 CPU profiler of this process, driven over IPC (`npm run bench:profile`):
 * started after start-up, migrations, seeding and warm-up, so that the profile
 * holds the load window only.
 */
const profiler = {
  session: undefined as Session | undefined,
  async start(intervalUs: number): Promise<void> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    this.session = session;
  },
  async stop(file: string): Promise<void> {
    const session = this.session;
    if (!session) throw new Error('profile-stop without profile-start');
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    this.session = undefined;
    writeFileSync(file, JSON.stringify(profile));
  },
};

async function main(): Promise<void> {
  const kind = process.env.BENCH_SERVER;
  let port: number;
  let stop: () => Promise<void>;
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  if (kind === 'raw') {
    const server = await startRaw();
    port = (server.address() as AddressInfo).port;
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  } else if (kind === 'bare' || kind === 'textbook') {
    if (kind === 'textbook' && !process.env.BENCH_TEXTBOOK_PUBLIC_KEY) throw new Error('BENCH_TEXTBOOK_PUBLIC_KEY must hold the ES256 public key (PEM)');
    const app = await startNest(kind === 'bare' ? BareModule : TextbookModule);
    port = (app.getHttpServer().address() as AddressInfo).port;
    stop = () => app.close();
  } else if (kind === 'api') {
    api = await startApi();
    const started = api;
    port = (started.app.getHttpServer().address() as AddressInfo).port;
    stop = async () => {
      started.gated.release();
      await started.app.close();
      await started.db?.close();
    };
  } else {
    throw new Error(`BENCH_SERVER must be raw, bare, textbook or api (got ${kind})`);
  }

  process.on('message', (message: Command) => {
    const reply = (value: unknown) => process.send?.({ id: message.id, value });
    switch (message.cmd) {
      case 'rss':
        // maxRSS is in kilobytes: the peak over the process's whole life.
        return reply({ maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage().rss, memory: process.memoryUsage() });
      case 'cpu': {
        // Every thread of the process (argon2 runs on libuv's pool), in microseconds.
        const { user, system } = process.cpuUsage();
        return reply(user + system);
      }
      case 'thread-cpu': {
        // This (the main, JavaScript) thread only: what a CPU profile's samples divide.
        const { user, system } = process.threadCpuUsage();
        return reply(user + system);
      }
      case 'profile-start':
        return void profiler.start(Number(message.arg ?? 500)).then(() => reply(true), (e: unknown) => reply({ error: String(e) }));
      case 'profile-stop':
        return void profiler.stop(String(message.arg)).then(() => reply(true), (e: unknown) => reply({ error: String(e) }));
      case 'audit-block':
        api?.gated.block();
        return reply(true);
      case 'audit-release':
        api?.gated.release();
        return reply(true);
      case 'audit-depth':
        return reply(api ? api.app.get(AuditTrail).depth : 0);
      case 'stop':
        void stop().then(
          () => {
            reply(true);
            process.exit(0);
          },
          () => process.exit(1),
        );
    }
  });
  process.send?.({ ready: true, port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
