/** A tiny dependency-free SVG line plot (log or linear axes) for the HTML report. */
export interface PlotSeries {
  name: string;
  points: [number, number][];
  color: string;
  dashed?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  /** Fixed x ticks as [value, label]; otherwise derived. */
  xTicks?: [number, string][];
  width?: number;
  height?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceLogTicks(min: number, max: number): [number, string][] {
  const ticks: [number, string][] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push([v, v >= 1000 ? `${v / 1000}k` : String(+v.toPrecision(3))]);
    }
  }
  return ticks;
}

function niceLinearTicks(min: number, max: number): [number, string][] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const unit = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const ticks: [number, string][] = [];
  for (let v = Math.ceil(min / unit) * unit; v <= max + 1e-12; v += unit) ticks.push([v, String(+v.toPrecision(4))]);
  return ticks;
}

export function linePlot(series: PlotSeries[], o: PlotOptions): string {
  const width = o.width ?? 860;
  const height = o.height ?? 380;
  const m = { left: 70, right: 260, top: 36, bottom: 50 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.yLog || y > 0) && (!o.xLog || x > 0));
  if (all.length === 0) return `<p>${esc(o.title)}: no data</p>`;
  let [xMin, xMax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [yMin, yMax] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (o.yLog) {
    yMin = 10 ** Math.floor(Math.log10(yMin));
    yMax = 10 ** Math.ceil(Math.log10(yMax));
  } else {
    yMin = 0;
    yMax = yMax * 1.1 || 1;
  }
  if (xMin === xMax) {
    xMin = o.xLog ? xMin / 2 : xMin - 1;
    xMax = o.xLog ? xMax * 2 : xMax + 1;
  }
  const tx = (x: number) => {
    const f = o.xLog ? (Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin)) : (x - xMin) / (xMax - xMin);
    return m.left + f * (width - m.left - m.right);
  };
  const ty = (y: number) => {
    const f = o.yLog ? (Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) : (y - yMin) / (yMax - yMin);
    return height - m.bottom - f * (height - m.top - m.bottom);
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${m.left}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  const yTicks = o.yLog ? niceLogTicks(yMin, yMax) : niceLinearTicks(yMin, yMax);
  for (const [v, label] of yTicks) {
    const y = ty(v);
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${esc(label)}</text>`);
  }
  const xTicks = (o.xTicks ?? (o.xLog ? niceLogTicks(xMin, xMax) : niceLinearTicks(xMin, xMax))).filter(([v]) => v >= xMin && v <= xMax);
  for (const [v, label] of xTicks) {
    const x = tx(v);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${height - m.bottom}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${height - m.bottom + 16}" text-anchor="middle">${esc(label)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#555"/>`);
  parts.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.yLog || y > 0) && (!o.xLog || x > 0));
    if (pts.length === 0) return;
    const d = pts.map(([x, y], j) => `${j ? 'L' : 'M'}${tx(x).toFixed(1)},${ty(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [x, y] of pts) parts.push(`<circle cx="${tx(x).toFixed(1)}" cy="${ty(y).toFixed(1)}" r="2.5" fill="${s.color}"><title>${esc(s.name)}: ${+y.toPrecision(4)}</title></circle>`);
    const ly = m.top + 14 + i * 18;
    parts.push(`<line x1="${width - m.right + 12}" x2="${width - m.right + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${width - m.right + 42}" y="${ly}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
