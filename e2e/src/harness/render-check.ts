/** The demo page's self-check, as read from `window.__demo.render` (see e2e/demo/src/lib/self-check.ts). */
export interface RenderCheckResult {
  images: { total: number; loaded: number; broken: string[] };
  fonts: { family: string; status: string }[];
  stylesApplied: boolean;
  modules: string[];
}
