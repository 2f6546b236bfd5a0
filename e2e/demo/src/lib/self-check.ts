import { moduleTrail } from './format.ts';

/** What the page checks about its own rendering (end-to-end tests read it from `window.__demo`). */
export interface RenderCheck {
  images: { total: number; loaded: number; broken: string[] };
  fonts: { family: string; status: string }[];
  stylesApplied: boolean;
  modules: string[];
}

/** Check that every image decoded, the web fonts loaded, the stylesheets (and the @imported one) applied. */
export async function checkRendering(): Promise<RenderCheck> {
  await document.fonts.ready;
  const images = [...document.images];
  const broken = images.filter((image) => !image.complete || image.naturalWidth === 0).map((image) => image.src);
  const rootStyle = getComputedStyle(document.documentElement);
  const fonts = [...document.fonts].map((face) => ({ family: `${face.family} ${face.weight}`, status: face.status }));
  return {
    images: { total: images.length, loaded: images.length - broken.length, broken },
    fonts,
    // tokens.css (imported by main.css) and report.css each set a marker property.
    stylesApplied:
      rootStyle.getPropertyValue('--demo-tokens').trim() === 'loaded' &&
      rootStyle.getPropertyValue('--demo-report-styles').trim() === 'loaded',
    modules: [...moduleTrail],
  };
}
