import type { ChosenMode, DeliveryMode } from './types.ts';

/**
 * Picks the delivery for one request. `auto`: push when the client's HTTP/2
 * SETTINGS allow it, else a push stream when the request says
 * `accept-push-stream: 1`, else hints. A forced mode the client cannot take
 * (push to a client that disabled it, a stream to a client that did not ask
 * for one, either on a HEAD request) falls back to hints, never to something
 * the client would misread.
 */
export function chooseMode(
  configured: DeliveryMode,
  client: { method: string; pushEnabled: boolean; acceptsPushStream: boolean },
): ChosenMode {
  const hasBody = client.method === 'GET';
  const canPush = hasBody && client.pushEnabled;
  const canStream = hasBody && client.acceptsPushStream;
  switch (configured) {
    case 'off':
    case 'hints':
    case 'links':
      return configured;
    case 'push':
      return canPush ? 'push' : 'hints';
    case 'stream':
      return canStream ? 'stream' : 'hints';
    case 'auto':
      return canPush ? 'push' : canStream ? 'stream' : 'hints';
  }
}
