/** The demo's SVG icons (hand-written paths), by file name. */
export const DEMO_ICONS: Readonly<Record<string, string>> = {
  'icon-bolt.svg': icon('<path d="M13 2 4 14h7l-1 8 9-12h-7z"/>'),
  'icon-cache.svg': icon('<ellipse cx="12" cy="5" rx="8" ry="3"/><path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5"/><path d="M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"/>'),
  'icon-stream.svg': icon('<path d="M3 6h13M3 12h18M3 18h10"/><path d="m17 3 3 3-3 3M18 15l3 3-3 3"/>'),
  'icon-check.svg': icon('<circle cx="12" cy="12" r="9"/><path d="m8 12 3 3 5-6"/>'),
  'favicon.svg':
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0f766e"/>' +
    '<path d="M9 8h8a7 7 0 0 1 0 14h-4v4H9z" fill="#f0fdfa"/><circle cx="17" cy="15" r="3" fill="#0f766e"/></svg>\n',
};

function icon(body: string): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24" fill="none" ' +
    `stroke="#0f766e" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>\n`
  );
}
