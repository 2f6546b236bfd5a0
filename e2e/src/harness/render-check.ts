/** The demo page's self-check, as read from `window.__demo.render` (see e2e/demo/src/lib/self-check.ts). */
export interface RenderCheckResult {
  images: { total: number; loaded: number; broken: string[] };
  fonts: { family: string; status: string }[];
  stylesApplied: boolean;
  modules: string[];
}

/** Why the page did not render correctly (broken images, styles not applied, a font not loaded), or undefined when it did. */
export function renderFailure(render: RenderCheckResult): string | undefined {
  const problems: string[] = [];
  if (render.images.loaded !== render.images.total) problems.push(`${render.images.loaded} of ${render.images.total} images loaded${render.images.broken.length > 0 ? ` (broken: ${render.images.broken.slice(0, 3).join(' ')})` : ''}`);
  if (!render.stylesApplied) problems.push('styles not applied');
  const fonts = render.fonts.filter((font) => font.status !== 'loaded');
  if (fonts.length > 0) problems.push(`fonts ${fonts.map((font) => `${font.family} ${font.status}`).join(', ')}`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}
