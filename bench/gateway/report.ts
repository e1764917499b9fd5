/** One printed figure, with its target (bench/README.md) when it has one. */
export interface Row {
  figure: string;
  value: number;
  unit: string;
  /** The figure passes when it is at most this. */
  target?: number;
}

export function verdict(row: Row): string {
  if (row.target === undefined) return '';
  if (!Number.isFinite(row.value)) return 'MISS';
  return row.value <= row.target ? 'PASS' : 'MISS';
}

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`.trim();
}

/** A plain-text table: figure, value, target, PASS/MISS. */
export function renderTable(title: string, rows: Row[]): string {
  const cells = rows.map((row) => [row.figure, format(row.value, row.unit), row.target === undefined ? '' : `≤ ${format(row.target, row.unit)}`, verdict(row)]);
  const header = ['figure', 'value', 'target', ''];
  const widths = header.map((_, column) => Math.max(header[column].length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]): string => cell.map((text, column) => text.padEnd(widths[column])).join('  ').trimEnd();
  return [title, line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}

export interface GridRow {
  figure: string;
  unit: string;
  values: Record<string, number>;
}

/** A ratio column: `of`'s value over `over`'s, on the rows where both are positive. */
export interface RatioColumn {
  label: string;
  of: string;
  over: string;
}

/** One row per figure, one column per side, then ratio columns. */
export function renderGrid(title: string, columns: string[], rows: GridRow[], ratios: RatioColumn[] = []): string {
  const header = ['figure', ...columns, ...ratios.map((ratio) => ratio.label)];
  const cells = rows.map((row) => [
    `${row.figure}${row.unit === '' ? '' : ` (${row.unit})`}`,
    ...columns.map((column) => format(row.values[column] ?? NaN, '')),
    ...ratios.map((ratio) => {
      const of = row.values[ratio.of];
      const over = row.values[ratio.over];
      return of > 0 && over > 0 && row.unit !== 'ms' ? `${(of / over).toFixed(2)}×` : '';
    }),
  ]);
  const widths = header.map((_, column) => Math.max(header[column].length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]): string => cell.map((text, column) => (column === 0 ? text.padEnd(widths[column]) : text.padStart(widths[column]))).join('  ').trimEnd();
  return [title, line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}
