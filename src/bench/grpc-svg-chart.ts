/**
 * A hand-made SVG bar chart for the grpc and ray benchmarks (no chart library): throughput per
 * payload size, mTLS next to plaintext (and the seed's RSA certificates when a group has them),
 * log-scaled, with each configuration's ratio to plaintext under each group.
 */
export interface ChartGroup {
  label: string;
  tls: number;
  plain: number;
  /** A third bar: the seed's RSA-2048 certificates (`bench ray`). */
  seedRsa?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function throughputChart(title: string, subtitle: string, groups: ChartGroup[], unit = "MiB/s"): string {
  const W = 720;
  const H = 380;
  const left = 70;
  const right = 20;
  const top = 70;
  const withRsa = groups.some((g) => g.seedRsa !== undefined);
  const bottom = withRsa ? 76 : 60;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const values = groups.flatMap((g) => [g.tls, g.plain, g.seedRsa ?? NaN]).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values))));
  const y = (v: number) => top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`);
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const yy = y(d).toFixed(1);
    out.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#333">${d >= 1 ? d : d.toPrecision(1)}</text>`);
  }
  out.push(`<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" fill="#333">${esc(unit)} (log scale)</text>`);
  const gw = plotW / groups.length;
  const bw = Math.min(withRsa ? 48 : 60, gw / (withRsa ? 4 : 3));
  groups.forEach((g, i) => {
    const cx = left + gw * i + gw / 2;
    const bars: Array<[number, string, string]> = [
      [g.plain, "#9aa5b1", "plaintext"],
      [g.tls, "#1f6feb", "mTLS"],
      ...(withRsa ? [[g.seedRsa ?? NaN, "#d29922", "seed RSA"] as [number, string, string]] : []),
    ];
    bars.forEach(([v, color], j) => {
      if (!(v > 0)) return;
      const x = cx - (bars.length * bw) / 2 + j * bw;
      const yy = y(v);
      out.push(`<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${(top + plotH - yy).toFixed(1)}" fill="${color}"/>`);
      out.push(`<text x="${(x + (bw - 4) / 2).toFixed(1)}" y="${(yy - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`);
    });
    const ratio = (v: number | undefined) => (v !== undefined && g.plain > 0 && v > 0 ? (v / g.plain).toFixed(2) : "n/a");
    out.push(`<text x="${cx}" y="${top + plotH + 18}" text-anchor="middle" font-weight="bold">${esc(g.label)}</text>`);
    out.push(`<text x="${cx}" y="${top + plotH + 34}" text-anchor="middle" fill="#333">mTLS/plain ${ratio(g.tls)}</text>`);
    if (withRsa) out.push(`<text x="${cx}" y="${top + plotH + 50}" text-anchor="middle" fill="#333">RSA/plain ${ratio(g.seedRsa)}</text>`);
  });
  const legend: Array<[string, string]> = [["#9aa5b1", "plaintext"], ["#1f6feb", "mTLS"], ...(withRsa ? [["#d29922", "seed RSA"] as [string, string]] : [])];
  legend.forEach(([color, name], j) => {
    const x = W - 90 * (legend.length - j) - 10;
    out.push(`<rect x="${x}" y="56" width="12" height="12" fill="${color}"/><text x="${x + 18}" y="66">${name}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
