import { seededRandom } from './random.ts';

/** Options of {@link renderLandscape}. */
export interface LandscapeOptions {
  width: number;
  height: number;
  seed: number;
  /** Film-grain amplitude (0-40); more grain, larger PNG, like a real photo. */
  grain?: number;
  /** Share of pixels that carry grain (0-1). */
  grainDensity?: number;
}

/**
 * Render a deterministic "photo": a sky gradient, a sun and layered
 * mountain ridges, with film grain. Returns RGB bytes for encodePng().
 */
export function renderLandscape(options: LandscapeOptions): Uint8Array {
  const { width, height, seed } = options;
  const grain = options.grain ?? 10;
  const grainDensity = options.grainDensity ?? 1;
  const random = seededRandom(seed);
  const hue = random();
  const skyTop = hsl(hue, 0.55, 0.35 + random() * 0.2);
  const skyBottom = hsl((hue + 0.08) % 1, 0.7, 0.75);
  const sun = { x: width * (0.2 + random() * 0.6), y: height * (0.2 + random() * 0.25), r: height * (0.08 + random() * 0.06) };
  const layers = Array.from({ length: 4 }, (_, i) => ({
    base: height * (0.45 + i * 0.13),
    color: hsl((hue + 0.45 + i * 0.03) % 1, 0.35, 0.45 - i * 0.09),
    waves: Array.from({ length: 4 }, () => ({
      amplitude: height * (0.02 + random() * 0.06),
      frequency: (1 + random() * 6) / width,
      phase: random() * Math.PI * 2,
    })),
  }));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    const t = y / (height - 1);
    for (let x = 0; x < width; x += 1) {
      let color = mix(skyTop, skyBottom, t);
      const sunDistance = Math.hypot(x - sun.x, y - sun.y);
      if (sunDistance < sun.r) color = [255, 244, 214];
      else if (sunDistance < sun.r * 2.2) color = mix([255, 236, 190], color, (sunDistance - sun.r) / (sun.r * 1.2));
      for (const layer of layers) {
        let ridge = layer.base;
        for (const wave of layer.waves) ridge += wave.amplitude * Math.sin(x * wave.frequency * Math.PI * 2 + wave.phase);
        if (y > ridge) color = mix(layer.color, [20, 24, 32], Math.min(1, (y - ridge) / height) * 0.6);
      }
      const noise = random() < grainDensity ? (random() - 0.5) * grain : 0;
      const offset = (y * width + x) * 3;
      rgb[offset] = clamp(color[0] + noise);
      rgb[offset + 1] = clamp(color[1] + noise);
      rgb[offset + 2] = clamp(color[2] + noise);
    }
  }
  return rgb;
}

type Rgb = [number, number, number];

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number): number => (n + h * 12) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0) * 255, f(8) * 255, f(4) * 255];
}
