import { Histogram, type LabelValues } from 'prom-client';

/** What prom-client keeps for one label set (lib/histogram.js, `createBaseValues`): counts by upper bound, sum, count. */
interface SeriesRecord {
  labels: Record<string, string | number>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/** The two fields of prom-client's Histogram a bound series writes to; series-histogram.spec.ts holds the output to prom-client's own. */
interface HistogramState {
  labelNames: readonly string[];
  hashMap: Record<string, SeriesRecord>;
  upperBounds: readonly number[];
}

/** Bound series by the value of each label in turn. */
type BoundLevel<L extends string> = Map<string | number | undefined, BoundLevel<L> | HistogramSeries<L>>;

/**
 * A prom-client Histogram whose label sets are bound once (`series`), for
 * observations on the hot path. prom-client's `observe` validates the labels,
 * builds their hash string and indexes the counts by each bucket's bound as a
 * number turned into a string, ~1.5 µs per observation, three per inference
 * request (docs/decisions.md, "Issue 22, plain path, session 8"); a bound
 * series adds to the same record directly, ~0.1 µs. Everything else is
 * prom-client's: the series is created by `zero`, and the exposition (text,
 * JSON, the cluster's aggregation) is its `get`. `reset`, `remove` and `zero`
 * make the bound series look their record up again.
 */
export class SeriesHistogram<L extends string = string> extends Histogram<L> {
  /** Bumped whenever prom-client may have dropped or replaced a record a bound series holds. Not a class field: `reset` runs in the base constructor. */
  declare private generation: number | undefined;
  declare private boundSeries: BoundLevel<L> | undefined;

  /** The series of `labels` (every label of the histogram), bound on first use: one map per label, so finding it builds no string. */
  series(labels: LabelValues<L>): HistogramSeries<L> {
    const names = (this as unknown as HistogramState).labelNames as readonly L[];
    let level = (this.boundSeries ??= new Map());
    for (let index = 0; index < names.length - 1; index++) {
      const value = labels[names[index]];
      let next = level.get(value) as BoundLevel<L> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const last = names.length === 0 ? undefined : labels[names[names.length - 1]];
    let series = level.get(last) as HistogramSeries<L> | undefined;
    if (series === undefined) {
      // prom-client's own check of the label names, once per series: an unknown label throws, as its observe does.
      this.labels(labels);
      series = new HistogramSeries(this, { ...labels });
      level.set(last, series);
    }
    return series;
  }

  override reset(): void {
    super.reset();
    this.generation = (this.generation ?? 0) + 1;
  }

  override remove(...args: [LabelValues<L>] | string[]): void {
    super.remove(...(args as [LabelValues<L>]));
    this.generation = (this.generation ?? 0) + 1;
  }

  override zero(labels: LabelValues<L>): void {
    super.zero(labels);
    this.generation = (this.generation ?? 0) + 1;
  }

  /** The record of `labels` as prom-client keeps it (zeroed first when there is none), and the generation it belongs to. */
  recordOf(labels: LabelValues<L>): { record: SeriesRecord; generation: number } {
    const names = (this as unknown as HistogramState).labelNames as readonly L[];
    const sameLabels = (record: SeriesRecord) => names.every((name) => String(record.labels[name]) === String(labels[name]));
    let record = Object.values((this as unknown as HistogramState).hashMap).find(sameLabels);
    if (record === undefined) {
      super.zero(labels);
      record = Object.values((this as unknown as HistogramState).hashMap).find((candidate) => candidate.labels === labels);
      if (record === undefined) throw new Error('prom-client kept no record for zero(labels)');
    }
    return { record, generation: this.generation ?? 0 };
  }

  /** The histogram's upper bounds, as the property keys its records count them under. */
  get boundKeys(): readonly string[] {
    return (this as unknown as HistogramState).upperBounds.map(String);
  }

  get upperBoundValues(): readonly number[] {
    return (this as unknown as HistogramState).upperBounds;
  }

  get currentGeneration(): number {
    return this.generation ?? 0;
  }
}

/** One label set of a SeriesHistogram. */
export class HistogramSeries<L extends string = string> {
  private record: SeriesRecord | undefined = undefined;
  private generation = -1;
  private readonly bounds: readonly number[];
  private readonly keys: readonly string[];

  constructor(
    private readonly histogram: SeriesHistogram<L>,
    private readonly labels: LabelValues<L>,
  ) {
    this.bounds = histogram.upperBoundValues;
    this.keys = histogram.boundKeys;
  }

  /** As prom-client's `observe(labels, value)`: `value` counted under the first bound it does not exceed, added to the sum and the count. */
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let record = this.record;
    if (record === undefined || this.generation !== this.histogram.currentGeneration) {
      ({ record, generation: this.generation } = this.histogram.recordOf(this.labels));
      this.record = record;
    }
    const bounds = this.bounds;
    for (let index = 0; index < bounds.length; index++) {
      if (value <= bounds[index]) {
        record.bucketValues[this.keys[index]] += 1;
        break;
      }
    }
    record.sum += value;
    record.count += 1;
  }
}
