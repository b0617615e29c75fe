/**
 * The daily report's charts as SVG markup, inline in the HTML page (report/html). d3-scale does
 * the scale math (domains, nice ticks, bands) and d3-shape the paths (lines, stacking); this
 * module writes the markup. Every chart has a `<title>` and `aria-label`, a legend, axis ticks,
 * and says "no data yet" rather than drawing an empty frame. Every text label is escaped with
 * core/escape `htmlText` (valid in HTML and in SVG's XML alike); numbers in the markup are
 * rounded to 2 decimals, so the same input always gives the same string (the screenshot and the
 * tests rely on that). No script, no external resource, no CSS beyond presentation attributes.
 */
import { scaleBand, scaleLinear, scalePoint } from 'd3-scale';
import { line, stack } from 'd3-shape';
import { clip, htmlText } from '../core/escape';
import type { Severity } from '../core/model';

/** A fixed colour per severity, most severe darkest red, LOW blue; shared by charts and tables. */
export const SEVERITY_COLOURS: Readonly<Record<Severity, string>> = {
  CRITICAL: '#7f1d1d',
  HIGH: '#dc2626',
  MEDIUM: '#f59e0b',
  LOW: '#2563eb',
  INFORMATIONAL: '#64748b',
  UNTRIAGED: '#a855f7',
};

/** Colours for series that are not severities. */
export const SERIES_COLOURS = {
  new: '#dc2626',
  fixed: '#16a34a',
  failing: '#dc2626',
  passing: '#86efac',
  covered: '#16a34a',
  overdue: '#b91c1c',
  open: '#fca5a5',
} as const;

/** What a chart says when it has nothing to draw. */
export const EMPTY_CHART_TEXT = 'no data yet';

/** One named series; `values[i]` belongs to the chart's i-th category (day, row). */
export interface ChartSeries {
  name: string;
  colour: string;
  values: readonly number[];
}

/** Common options: `id` makes element ids unique on the page; `title` names the chart. */
export interface ChartBase {
  /** Letters, digits and `-` only; used for element ids (`<id>-title`). */
  id: string;
  title: string;
  /** One line under the title for screen readers (`<desc>`). */
  description?: string;
  /** Width of the drawing in SVG user units (the page scales it to its box). Default 640. */
  width?: number;
}

/** `value` rounded to 2 decimals, as the shortest string (`3`, `2.5`, `0.33`); `-0` is `0`. */
export function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/**
 * Ticks of a linear scale from 0 to at least `max`, extended to nice round values (d3-scale
 * `nice` and `ticks`, about `count` of them). Counts (`integer`) get whole-number ticks only,
 * and a domain of at least [0, 1] so an all-zero chart still has an axis.
 */
export function valueScale(
  max: number,
  range: [number, number],
  options: { count?: number; integer?: boolean; fixedMax?: number } = {},
): { scale: (value: number) => number; ticks: number[]; max: number } {
  const count = options.count ?? 5;
  const top = options.fixedMax ?? Math.max(max, options.integer ? 1 : 0.01);
  const scale = scaleLinear().domain([0, top]).range(range);
  if (options.fixedMax === undefined) scale.nice(count);
  let ticks = scale.ticks(count);
  if (options.integer) ticks = ticks.filter((tick) => Number.isInteger(tick));
  const domainMax = scale.domain()[1] ?? top;
  return { scale: (value: number) => scale(value), ticks, max: domainMax };
}

function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, '-');
}

/** The opening tag with its accessible name, and `<title>`/`<desc>`. */
function svgOpen(base: ChartBase, width: number, height: number): string {
  const id = safeId(base.id);
  const title = htmlText(base.title);
  const desc = base.description ? `<desc id="${id}-desc">${htmlText(base.description)}</desc>` : '';
  const described = base.description ? ` aria-describedby="${id}-desc"` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${id}" viewBox="0 0 ${num(width)} ${num(height)}"` +
    ` width="${num(width)}" height="${num(height)}" role="img" aria-label="${title}" aria-labelledby="${id}-title"${described}` +
    ` font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12">` +
    `<title id="${id}-title">${title}</title>${desc}`
  );
}

/** A chart frame saying EMPTY_CHART_TEXT (and why, when given), with its title kept. */
export function emptyChart(base: ChartBase, why?: string): string {
  const width = base.width ?? 640;
  const height = 120;
  const text = why ? `${EMPTY_CHART_TEXT}: ${why}` : EMPTY_CHART_TEXT;
  return (
    svgOpen(base, width, height) +
    `<rect x="0.5" y="0.5" width="${num(width - 1)}" height="${num(height - 1)}" rx="8" fill="#f8fafc" stroke="#cbd5e1" stroke-dasharray="4 4"/>` +
    `<text class="empty" x="${num(width / 2)}" y="${num(height / 2)}" text-anchor="middle" dominant-baseline="middle" fill="#64748b" font-size="14">${htmlText(text)}</text>` +
    `</svg>`
  );
}

const LEGEND_HEIGHT = 24;

/** Swatches and names in one row (wrapping by estimate), from `x`; returns the markup and height. */
function legend(
  series: readonly { name: string; colour: string }[],
  x: number,
  width: number,
): { markup: string; height: number } {
  let cursorX = x;
  let cursorY = 0;
  const items: string[] = [];
  for (const entry of series) {
    const label = clip(entry.name, 40);
    const itemWidth = 18 + label.length * 7 + 14;
    if (cursorX + itemWidth > x + width && cursorX > x) {
      cursorX = x;
      cursorY += 18;
    }
    items.push(
      `<g class="legend-item" transform="translate(${num(cursorX)},${num(cursorY)})">` +
        `<rect width="12" height="12" rx="2" fill="${entry.colour}"/>` +
        `<text x="17" y="10" fill="#334155">${htmlText(label)}</text></g>`,
    );
    cursorX += itemWidth;
  }
  return {
    markup: `<g class="legend" transform="translate(0,6)">${items.join('')}</g>`,
    height: LEGEND_HEIGHT + cursorY,
  };
}

/** Horizontal grid lines and labels of a value axis on the left. */
function leftAxis(
  ticks: readonly number[],
  y: (value: number) => number,
  left: number,
  right: number,
  unit: string,
): string {
  return `<g class="axis axis-y">${ticks
    .map((tick) => {
      const at = num(y(tick));
      return (
        `<line x1="${num(left)}" x2="${num(right)}" y1="${at}" y2="${at}" stroke="#e2e8f0"/>` +
        `<text x="${num(left - 6)}" y="${at}" text-anchor="end" dominant-baseline="middle" fill="#64748b">${htmlText(`${num(tick)}${unit}`)}</text>`
      );
    })
    .join('')}</g>`;
}

/** Indexes of at most `most` evenly spaced category labels, always including the last one. */
function labelIndexes(count: number, most: number): Set<number> {
  const step = Math.max(1, Math.ceil(count / most));
  const shown = new Set<number>();
  for (let index = count - 1; index >= 0; index -= step) shown.add(index);
  return shown;
}

/** Options of a chart over categories (days): one value per category per series. */
export interface CategoryChart extends ChartBase {
  /** The x axis: one label per category (`2026-03-01`), oldest first. */
  categories: readonly string[];
  series: readonly ChartSeries[];
  /** Axis labels shown for at most this many categories. Default 8. */
  maxLabels?: number;
  /** How a category label is shown on the axis (e.g. `03-01` for a date). Default: as is. */
  shortLabel?: (category: string) => string;
}

/**
 * A line chart: one line per series over the categories (the severity trend over the last 30
 * days), with a dot on each point, so a single day still shows. Values are counts (whole-number
 * ticks). Empty state without categories or series.
 */
export function lineChart(options: CategoryChart): string {
  const { categories, series } = options;
  if (categories.length === 0 || series.length === 0) return emptyChart(options);
  const width = options.width ?? 640;
  const key = legend(series, 48, width - 56);
  const margin = { top: key.height + 14, right: 16, bottom: 30, left: 48 };
  const height = 260 + key.height;
  const x = scalePoint<number>()
    .domain(categories.map((_, index) => index))
    .range([margin.left, width - margin.right])
    .padding(0.3);
  const max = Math.max(0, ...series.flatMap((entry) => entry.values));
  const y = valueScale(max, [height - margin.bottom, margin.top], { integer: true });
  const path = line<number>()
    .x((_, index) => x(index) ?? margin.left)
    .y((value) => y.scale(value))
    .digits(2);
  const shown = labelIndexes(categories.length, options.maxLabels ?? 8);
  const short = options.shortLabel ?? ((category: string) => category);
  const xLabels = categories
    .map((category, index) =>
      shown.has(index)
        ? `<text x="${num(x(index) ?? 0)}" y="${num(height - margin.bottom + 18)}" text-anchor="middle" fill="#64748b">${htmlText(short(category))}</text>`
        : '',
    )
    .join('');
  const lines = series
    .map((entry) => {
      const values = categories.map((_, index) => entry.values[index] ?? 0);
      const dots = values
        .map(
          (value, index) =>
            `<circle cx="${num(x(index) ?? 0)}" cy="${num(y.scale(value))}" r="2.5" fill="${entry.colour}"><title>${htmlText(`${entry.name} ${categories[index] ?? ''}: ${num(value)}`)}</title></circle>`,
        )
        .join('');
      return (
        `<g class="series" data-series="${htmlText(entry.name)}">` +
        `<path d="${path(values) ?? ''}" fill="none" stroke="${entry.colour}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>` +
        `${dots}</g>`
      );
    })
    .join('');
  return (
    `${svgOpen(options, width, height)}${key.markup}` +
    leftAxis(y.ticks, y.scale, margin.left, width - margin.right, '') +
    `<line x1="${num(margin.left)}" x2="${num(width - margin.right)}" y1="${num(height - margin.bottom)}" y2="${num(height - margin.bottom)}" stroke="#94a3b8"/>` +
    `<g class="axis axis-x">${xLabels}</g>${lines}</svg>`
  );
}

/**
 * Vertical bars per category: `stacked` piles the series (d3-shape `stack`), otherwise they stand
 * side by side in each category (new vs fixed per day). Values are counts. Empty state without
 * categories or series.
 */
export function columnChart(options: CategoryChart & { stacked?: boolean }): string {
  const { categories, series } = options;
  if (categories.length === 0 || series.length === 0) return emptyChart(options);
  const width = options.width ?? 640;
  const key = legend(series, 48, width - 56);
  const margin = { top: key.height + 14, right: 16, bottom: 30, left: 48 };
  const height = 260 + key.height;
  const x = scaleBand<number>()
    .domain(categories.map((_, index) => index))
    .range([margin.left, width - margin.right])
    .paddingInner(0.25)
    .paddingOuter(0.1);
  const rows = categories.map((_, index) => series.map((entry) => entry.values[index] ?? 0));
  const layers = stack<number[], number>()
    .keys(series.map((_, index) => index))
    .value((row, index) => row[index] ?? 0)(rows);
  const max = options.stacked
    ? Math.max(0, ...rows.map((row) => row.reduce((sum, value) => sum + value, 0)))
    : Math.max(0, ...rows.flat());
  const y = valueScale(max, [height - margin.bottom, margin.top], { integer: true });
  const band = x.bandwidth();
  const inner = options.stacked ? band : band / series.length;
  const bars = layers
    .map((layer, seriesIndex) => {
      const entry = series[seriesIndex];
      if (!entry) return '';
      const rects = layer
        .map((point, index) => {
          const [low, high] = options.stacked ? [point[0], point[1]] : [0, point[1] - point[0]];
          if (high - low <= 0) return '';
          const left = (x(index) ?? 0) + (options.stacked ? 0 : inner * seriesIndex);
          const top = y.scale(high);
          return `<rect x="${num(left)}" y="${num(top)}" width="${num(Math.max(inner - 1, 1))}" height="${num(y.scale(low) - top)}" fill="${entry.colour}"><title>${htmlText(`${entry.name} ${categories[index] ?? ''}: ${num(high - low)}`)}</title></rect>`;
        })
        .join('');
      return `<g class="series" data-series="${htmlText(entry.name)}">${rects}</g>`;
    })
    .join('');
  const shown = labelIndexes(categories.length, options.maxLabels ?? 8);
  const short = options.shortLabel ?? ((category: string) => category);
  const xLabels = categories
    .map((category, index) =>
      shown.has(index)
        ? `<text x="${num((x(index) ?? 0) + band / 2)}" y="${num(height - margin.bottom + 18)}" text-anchor="middle" fill="#64748b">${htmlText(short(category))}</text>`
        : '',
    )
    .join('');
  return (
    `${svgOpen(options, width, height)}${key.markup}` +
    leftAxis(y.ticks, y.scale, margin.left, width - margin.right, '') +
    `${bars}<line x1="${num(margin.left)}" x2="${num(width - margin.right)}" y1="${num(height - margin.bottom)}" y2="${num(height - margin.bottom)}" stroke="#94a3b8"/>` +
    `<g class="axis axis-x">${xLabels}</g></svg>`
  );
}

/** One row of a horizontal bar chart: its label and one value per series. */
export interface BarRow {
  label: string;
  values: readonly number[];
  /** Shown at the bar's end instead of its total (e.g. `72%`, `3 running`). */
  note?: string;
}

/** Options of a horizontal bar chart. */
export interface BarChart extends ChartBase {
  /** Series names and colours; each row's `values[i]` is series i. */
  series: readonly { name: string; colour: string }[];
  rows: readonly BarRow[];
  /** A fixed axis maximum (100 for percentages); otherwise the data's, made nice. */
  max?: number;
  /** Appended to tick labels and totals (`%`). */
  unit?: string;
  /** Values are counts: whole-number ticks. Default true unless `unit` is `%`. */
  integer?: boolean;
  /** Row labels are cut to this many characters (the full label is the bar's tooltip). Default 32. */
  labelLength?: number;
  /** Said in the empty state (why there is nothing), e.g. "no rule was evaluated". */
  emptyWhy?: string;
}

/**
 * Horizontal bars, one per row, the series stacked left to right (d3-shape `stack`): top
 * vulnerable images by severity, compliance by rule (failing, passing), tag coverage by type
 * (percent), overdue by owner. The total (or the row's `note`) is written at each bar's end.
 * Empty state without rows.
 */
export function barChart(options: BarChart): string {
  const { rows, series } = options;
  if (rows.length === 0 || series.length === 0) return emptyChart(options, options.emptyWhy);
  const width = options.width ?? 640;
  const labelLength = options.labelLength ?? 32;
  const unit = options.unit ?? '';
  const key = legend(series, 8, width - 16);
  const rowHeight = 24;
  const totals = rows.map((row) => row.values.reduce((sum, value) => sum + value, 0));
  const noteLength = Math.max(
    ...rows.map((row, index) => (row.note ?? `${num(totals[index] ?? 0)}${unit}`).length),
  );
  const margin = {
    top: key.height + 22,
    right: Math.min(Math.max(noteLength * 6.5 + 14, 40), width / 3),
    bottom: 8,
    left: Math.min(labelLength * 6.5 + 12, width / 2),
  };
  const height = margin.top + rows.length * rowHeight + margin.bottom + 4;
  const x = valueScale(Math.max(0, ...totals), [margin.left, width - margin.right], {
    integer: options.integer ?? unit !== '%',
    ...(options.max === undefined ? {} : { fixedMax: options.max }),
  });
  const y = scaleBand<number>()
    .domain(rows.map((_, index) => index))
    .range([margin.top, margin.top + rows.length * rowHeight])
    .paddingInner(0.25);
  const layers = stack<readonly number[], number>()
    .keys(series.map((_, index) => index))
    .value((row, index) => row[index] ?? 0)(rows.map((row) => row.values));
  const ticks = x.ticks
    .map((tick) => {
      const at = num(x.scale(tick));
      return (
        `<line x1="${at}" x2="${at}" y1="${num(margin.top - 4)}" y2="${num(height - margin.bottom)}" stroke="#e2e8f0"/>` +
        `<text x="${at}" y="${num(margin.top - 8)}" text-anchor="middle" fill="#64748b">${htmlText(`${num(tick)}${unit}`)}</text>`
      );
    })
    .join('');
  const bars = layers
    .map((layer, seriesIndex) => {
      const entry = series[seriesIndex];
      if (!entry) return '';
      const rects = layer
        .map((point, index) => {
          const value = point[1] - point[0];
          if (value <= 0) return '';
          const left = x.scale(point[0]);
          return `<rect x="${num(left)}" y="${num(y(index) ?? 0)}" width="${num(Math.max(x.scale(point[1]) - left, 1))}" height="${num(y.bandwidth())}" fill="${entry.colour}"><title>${htmlText(`${rows[index]?.label ?? ''} — ${entry.name}: ${num(value)}${unit}`)}</title></rect>`;
        })
        .join('');
      return `<g class="series" data-series="${htmlText(entry.name)}">${rects}</g>`;
    })
    .join('');
  const labels = rows
    .map((row, index) => {
      const middle = num((y(index) ?? 0) + y.bandwidth() / 2);
      const total = totals[index] ?? 0;
      return (
        `<text class="row-label" x="${num(margin.left - 8)}" y="${middle}" text-anchor="end" dominant-baseline="middle" fill="#1e293b">${htmlText(clip(row.label, labelLength))}<title>${htmlText(row.label)}</title></text>` +
        `<text x="${num(x.scale(total) + 6)}" y="${middle}" dominant-baseline="middle" fill="#334155">${htmlText(row.note ?? `${num(total)}${unit}`)}</text>`
      );
    })
    .join('');
  return (
    `${svgOpen(options, width, height)}${key.markup}<g class="axis axis-x">${ticks}</g>${bars}` +
    `<line x1="${num(margin.left)}" x2="${num(margin.left)}" y1="${num(margin.top - 4)}" y2="${num(height - margin.bottom)}" stroke="#94a3b8"/>` +
    `<g class="axis axis-y">${labels}</g></svg>`
  );
}
