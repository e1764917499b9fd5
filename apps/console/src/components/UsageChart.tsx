import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1e6, 1e7, 1e8, 1e9];

/** One metric per UTC day as a uPlot line chart; the caption and a table carry the same figures for screen readers. */
export function UsageChart({ title, days, values, format, whole = false }: { title: string; days: string[]; values: number[]; format: (value: number) => string; whole?: boolean }) {
  const holder = useRef<HTMLDivElement>(null);
  const total = values.reduce((sum, value) => sum + value, 0);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const x = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
    const width = () => Math.max(240, element.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 180,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_self, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        // Counts tick at whole numbers only; money gets room for its decimals.
        axes: [{}, { values: (_self, ticks) => ticks.map((tick) => format(tick)), size: whole ? 60 : 96, ...(whole ? { incrs: WHOLE_STEPS } : {}) }],
        series: [{}, { label: title, stroke: '#1f5fbf', fill: 'rgba(31,95,191,0.12)', width: 2, points: { show: true, size: 5 } }],
      },
      [x, values],
      element,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: 180 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [days, values, title, format, whole]);
  return (
    <figure className="chart" data-total={total}>
      <figcaption>
        {title}: <strong>{format(total)}</strong> in {days.length} days
      </figcaption>
      <div ref={holder} role="img" aria-label={`${title} per day, ${format(total)} in all`} />
      <details>
        <summary>Figures per day</summary>
        <table>
          <tbody>
            {days.map((day, index) => (
              <tr key={day}>
                <th scope="row">{day}</th>
                <td>{format(values[index])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
