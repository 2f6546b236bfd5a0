import { fixtureHandler } from './fixture-site.ts';

declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(options: { port: number; hostname: string; onListen(address: { port: number }): void }, handler: (request: Request) => Promise<Response>): unknown;
};

const handler = fixtureHandler(Deno.env.get('ORIGIN'), Deno.env.get('PIECES'));
Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`listening ${port}`) }, handler);
