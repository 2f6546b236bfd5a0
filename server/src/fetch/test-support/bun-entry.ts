import { fixtureHandler } from './fixture-site.ts';

declare const Bun: { serve(options: { port: number; hostname: string; fetch(request: Request): Promise<Response> }): { port: number } };
declare const process: { env: Record<string, string | undefined> };

const handler = fixtureHandler(process.env.ORIGIN, process.env.PIECES);
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: handler });
console.log(`listening ${server.port}`);
