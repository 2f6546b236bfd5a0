import { fixtureHandler } from './fixture-site.ts';

let handler: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request: Request, env: { ORIGIN?: string; PIECES?: string }): Promise<Response> {
    handler ??= fixtureHandler(env.ORIGIN, env.PIECES);
    return handler(request);
  },
};
