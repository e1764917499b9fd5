import { formatInteger } from '../lib/format';
import { quotaBar } from '../lib/quota';

export function QuotaBar({ label, used, limit }: { label: string; used: number; limit: number | null | undefined }) {
  const bar = quotaBar(used, limit);
  const text = bar.unlimited ? `${formatInteger(used)} used, no limit` : `${formatInteger(used)} of ${formatInteger(limit)} used`;
  return (
    <div className="quota">
      <div className="quota-label">
        <span>{label}</span>
        <span>{text}</span>
      </div>
      <div
        className={`quota-track level-${bar.level}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(bar.percent)}
        aria-valuetext={text}
      >
        <div className="quota-fill" style={{ width: `${bar.percent}%` }} />
      </div>
    </div>
  );
}
