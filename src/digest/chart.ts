// The digest's chart: unplaced children by lot and by days waiting, drawn as SVG and rendered to PNG in-process
// with resvg compiled to WebAssembly (no native build step, no network). The font is DejaVu Sans from the
// dejavu-fonts-ttf package, loaded explicitly: system fonts are never consulted, so it looks the same everywhere.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { longDate } from "./london.js";
import type { Digest, DigestBar } from "./model.js";

const require = createRequire(import.meta.url);
const WIDTH = 920;
const PAD = 24;
const ROW = 30;
const LABEL_W = 420;
const MAX_LOTS = 12;
// Green to red as the wait grows.
const DAYS_COLOURS = ["#00703c", "#ffbf47", "#f47738", "#d4351c"];

let ready: Promise<Uint8Array[]> | undefined;
/** Loads the WebAssembly renderer and the fonts once per process. */
function renderer(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    await initWasm(await readFile(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
    return Promise.all(
      ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map(
        async (f) => new Uint8Array(await readFile(require.resolve(`dejavu-fonts-ttf/ttf/${f}`))),
      ),
    );
  })();
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

const xml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

function panel(
  title: string,
  bars: DigestBar[],
  top: number,
  colour: (i: number) => string,
): { svg: string; height: number } {
  const max = Math.max(1, ...bars.map((b) => b.count));
  const barMax = WIDTH - PAD * 2 - LABEL_W - 60;
  const rows = bars.map((b, i) => {
    const y = top + 34 + i * ROW;
    const w = b.count === 0 ? 0 : Math.max(2, Math.round((b.count / max) * barMax));
    return (
      `<text x="${PAD}" y="${y + 19}" font-size="15" fill="#0b0c0c">${xml(clip(b.label, 46))}</text>` +
      `<rect x="${PAD + LABEL_W}" y="${y + 4}" width="${w}" height="${ROW - 8}" rx="2" fill="${colour(i)}"/>` +
      `<text x="${PAD + LABEL_W + w + 8}" y="${y + 19}" font-size="15" font-weight="bold" fill="#0b0c0c">${b.count}</text>`
    );
  });
  const empty = bars.length
    ? ""
    : `<text x="${PAD}" y="${top + 53}" font-size="15" fill="#505a5f">No unplaced children</text>`;
  const svg = `<text x="${PAD}" y="${top + 20}" font-size="17" font-weight="bold" fill="#0b0c0c">${xml(title)}</text>${rows.join("")}${empty}`;
  return { svg, height: 34 + Math.max(1, bars.length) * ROW + 16 };
}

/** The chart as SVG (exported for tests and for platforms that take SVG). */
export function digestChartSvg(d: Digest): string {
  // Lots in their own order (as ART knows them); past a dozen, the smallest are grouped.
  let byLot = d.chart.byLot;
  if (byLot.length > MAX_LOTS) {
    const keep = new Set([...byLot].sort((a, b) => b.count - a.count).slice(0, MAX_LOTS - 1));
    const rest = byLot.filter((b) => !keep.has(b));
    byLot = byLot.filter((b) => keep.has(b));
    byLot = [...byLot, { label: `Other lots (${rest.length})`, count: rest.reduce((n, b) => n + b.count, 0) }];
  }
  const header = 64;
  const lots = panel("Unplaced by lot", byLot, header, () => "#1d70b8");
  const days = panel(
    "Unplaced by days waiting",
    d.chart.byDaysWaiting,
    header + lots.height,
    (i) => DAYS_COLOURS[i] ?? "#1d70b8",
  );
  const height = header + lots.height + days.height + PAD / 2;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans">` +
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>` +
    `<text x="${PAD}" y="${PAD + 14}" font-size="21" font-weight="bold" fill="#0b0c0c">${xml(
      `Unplaced children: ${d.unplaced}`,
    )}</text>` +
    `<text x="${WIDTH - PAD}" y="${PAD + 14}" font-size="15" text-anchor="end" fill="#505a5f">${xml(longDate(d.date))}</text>` +
    `<line x1="${PAD}" y1="${header - 8}" x2="${WIDTH - PAD}" y2="${header - 8}" stroke="#b1b4b6"/>` +
    lots.svg +
    days.svg +
    "</svg>"
  );
}

/** What a screen reader says instead of the picture. */
export function digestChartAltText(d: Digest): string {
  const list = (bars: DigestBar[]) => bars.map((b) => `${b.label} ${b.count}`).join(", ") || "none";
  return `Bar charts of ${d.unplaced} unplaced children on ${d.date}. By lot: ${list(d.chart.byLot)}. By days waiting: ${list(d.chart.byDaysWaiting)}.`.slice(
    0,
    1000,
  );
}

export async function renderDigestChart(d: Digest): Promise<{ png: Buffer; altText: string }> {
  const fonts = await renderer();
  const resvg = new Resvg(digestChartSvg(d), {
    font: {
      fontBuffers: fonts,
      loadSystemFonts: false,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
    background: "#ffffff",
  });
  try {
    const image = resvg.render();
    const png = Buffer.from(image.asPng());
    image.free();
    return { png, altText: digestChartAltText(d) };
  } finally {
    resvg.free();
  }
}
