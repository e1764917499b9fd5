import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One metric per UTC day as a uPlot line chart; the caption and a table carry the same figures for screen readers. */
export function UsageChart({ title, days, values, format }: { title: string; days: string[]; values: number[]; format: (value: number) => string }) {
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
        axes: [{}, { values: (_self, ticks) => ticks.map((tick) => format(tick)), size: 70 }],
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
  }, [days, values, title, format]);
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
