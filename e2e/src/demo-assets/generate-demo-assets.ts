import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO_ICONS } from './icons.ts';
import { renderLandscape } from './landscape.ts';
import { buildPixelFont } from './pixel-font.ts';
import { encodePng } from './png.ts';

/** The generated images: file name, size and seed. photo-13..16 belong to the gallery page only. */
export const DEMO_IMAGES: ReadonlyArray<{ name: string; width: number; height: number; seed: number }> = [
  { name: 'hero.png', width: 960, height: 360, seed: 1 },
  ...Array.from({ length: 16 }, (_, i) => ({
    name: `photo-${String(i + 1).padStart(2, '0')}.png`,
    width: 320,
    height: 200,
    seed: 100 + i,
  })),
];

/**
 * Write the demo's binary assets (PNG photos, SVG icons, two pixel fonts)
 * into `dir`, byte-identical on every run. `changed` lists image names to
 * render with another seed: the benchmark's "deploy" of changed assets.
 */
export async function generateDemoAssets(dir: string, changed: readonly string[] = []): Promise<string[]> {
  const written: string[] = [];
  const write = async (relative: string, bytes: Uint8Array | string): Promise<void> => {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
    written.push(relative);
  };
  for (const image of DEMO_IMAGES) {
    const seed = changed.includes(image.name) ? image.seed + 10_000 : image.seed;
    const rgb = renderLandscape({ width: image.width, height: image.height, seed, grain: 8, grainDensity: 0.08 });
    await write(path.join('images', image.name), encodePng(image.width, image.height, rgb));
  }
  for (const [name, svg] of Object.entries(DEMO_ICONS)) await write(path.join('icons', name), svg);
  await write(path.join('fonts', 'pixel-regular.ttf'), buildPixelFont({ family: 'Demo Pixel' }));
  await write(path.join('fonts', 'pixel-bold.ttf'), buildPixelFont({ family: 'Demo Pixel', bold: true }));
  return written;
}
