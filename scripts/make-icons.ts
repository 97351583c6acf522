// Draws the Teams app icons and writes them as PNG with node's zlib (no image library):
//   manifest/color.png    192x192, two overlapping circles (two sellers, one deal) on the accent color
//   manifest/outline.png   32x32, the same two circles as white rings on a transparent background
// Run: npx tsx scripts/make-icons.ts   (the PNGs are committed; rerun only to change the design)
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

/** The app's accent color, also `accentColor` in manifest/manifest.json. */
export const ACCENT = { r: 0x1f, g: 0x6f, b: 0x8b } as const;

type Rgba = [number, number, number, number];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA, non-interlaced PNG; `pixels` is width*height*4 bytes, row by row. */
export function encodePng(width: number, height: number, pixels: Uint8Array): Buffer {
  if (pixels.length !== width * height * 4) throw new Error(`encodePng: expected ${width * height * 4} bytes, got ${pixels.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // color type: RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Renders with 4x4 supersampling: `shade(x, y)` gives the color at a point (pixel units), or undefined for nothing. */
function render(size: number, shade: (x: number, y: number) => Rgba | undefined, background?: Rgba): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = shade(px + (sx + 0.5) / S, py + (sy + 0.5) / S) ?? background;
          if (!c) continue;
          // Premultiplied accumulation, so that edges blend correctly.
          r += c[0] * c[3]; g += c[1] * c[3]; b += c[2] * c[3]; a += c[3];
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round(a / (S * S));
    }
  }
  return out;
}

const inCircle = (x: number, y: number, cx: number, cy: number, r: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** 192x192: a solid accent square, a white circle and a light-blue circle overlapping in the middle. */
export function colorIcon(): Buffer {
  const size = 192;
  const bg: Rgba = [ACCENT.r, ACCENT.g, ACCENT.b, 255];
  const left: Rgba = [255, 255, 255, 255];
  const right: Rgba = [0x9f, 0xe3, 0xf5, 255];
  const both: Rgba = [0xd4, 0xf4, 0xfc, 255];
  const r = 38;
  const pixels = render(
    size,
    (x, y) => {
      const l = inCircle(x, y, 96 - 24, 96, r);
      const rt = inCircle(x, y, 96 + 24, 96, r);
      return l && rt ? both : l ? left : rt ? right : undefined;
    },
    bg,
  );
  return encodePng(size, size, pixels);
}

/** 32x32: two overlapping white rings on transparent; every visible pixel is pure white (only alpha varies). */
export function outlineIcon(): Buffer {
  const size = 32;
  const white: Rgba = [255, 255, 255, 255];
  const r = 8.5;
  const stroke = 2;
  const ring = (x: number, y: number, cx: number) => inCircle(x, y, cx, 16, r) && !inCircle(x, y, cx, 16, r - stroke);
  const pixels = render(size, (x, y) => (ring(x, y, 16 - 5.5) || ring(x, y, 16 + 5.5) ? white : undefined));
  // Fully transparent pixels carry white too, so the file has no other color at all.
  for (let i = 0; i < pixels.length; i += 4) pixels.set([255, 255, 255], i);
  return encodePng(size, size, pixels);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = new URL('../manifest/', import.meta.url);
  await writeFile(new URL('color.png', dir), colorIcon());
  await writeFile(new URL('outline.png', dir), outlineIcon());
  process.stdout.write(`wrote ${fileURLToPath(new URL('color.png', dir))} and ${fileURLToPath(new URL('outline.png', dir))}\n`);
}
