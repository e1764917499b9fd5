/** A labelled horizontal bar list (usage by model, by key): readable as a table, drawn with CSS. */
export function Bars({ caption, rows, format }: { caption: string; rows: Array<{ label: string; value: number; share: number }>; format: (value: number) => string }) {
  return (
    <table className="bars">
      <caption>{caption}</caption>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={2}>No usage in this period</td>
          </tr>
        )}
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td>
              <span className="bar" style={{ width: `${Math.max(2, row.share * 100)}%` }} aria-hidden="true" />
              <span className="bar-value">{format(row.value)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
