import { describe, expect, it } from 'vitest';
import { barChartSvg } from './charts';

describe('bar chart', () => {
  it('draws one bar per item, scaled to the largest, highlighted in red, with an accessible summary', () => {
    const svg = barChartSvg([{ label: 'Hikvision', value: 10, highlight: true }, { label: 'Axis <Sweden>', value: 5 }], 'Devices by producer');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-label="Devices by producer"');
    expect(svg.match(/<rect/g)).toHaveLength(2);
    expect(svg).toContain('fill="#d4351c"');
    expect(svg).toContain('Axis &lt;Sweden&gt;');
    const widths = [...svg.matchAll(/<rect[^>]*width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths[0]).toBeGreaterThan(widths[1] * 1.9);
  });
});
