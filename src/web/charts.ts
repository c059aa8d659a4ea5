// Server-rendered SVG charts: no JavaScript, the same markup in pages and (later) PDFs. Each chart is decorative
// support for a data table shown beside it, so it carries a one-line text summary as its accessible name.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Bar { label: string; value: number; highlight?: boolean }

/** A horizontal bar chart. Highlighted bars (e.g. PRC-NIL producers) are red, others blue; values are printed. */
export function barChartSvg(bars: Bar[], summary: string, opts: { width?: number } = {}): string {
  const width = opts.width ?? 460;
  const rowH = 26;
  const labelW = Math.min(220, Math.max(80, Math.max(0, ...bars.map((b) => b.label.length)) * 7));
  const valueW = 48;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotW = width - labelW - valueW - 8;
  const height = bars.length * rowH + 4;
  const rows = bars.map((b, i) => {
    const y = i * rowH + 2;
    const w = Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / max) * plotW));
    const label = b.label.length > 32 ? `${b.label.slice(0, 31)}…` : b.label;
    return `<text x="${labelW - 6}" y="${y + 17}" text-anchor="end" font-size="13" fill="#0b0c0c">${esc(label)}</text>`
      + `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${b.highlight ? '#d4351c' : '#1d70b8'}"/>`
      + `<text x="${labelW + w + 6}" y="${y + 17}" font-size="13" fill="#0b0c0c">${b.value}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(summary)}" class="sl-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="arial, sans-serif">${rows}</svg>`;
}
