/** Escape text for insertion into HTML (the deepest module of the demo's import graph). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Names of the modules that ran, deepest first: the page's self-check reads it. */
export const moduleTrail: string[] = ['escape-html'];
