import {
  barChart,
  columnChart,
  EMPTY_CHART_TEXT,
  lineChart,
  num,
  SEVERITY_COLOURS,
  valueScale,
} from '../../actions/src/report/charts';

// The charts are SVG inline in the report page: labels come from AWS (image names, rule names,
// owners), so they must stay text, and the same report must always draw the same markup.
const HOSTILE = '<img src=x onerror=alert(1)>';

/** Every number attribute value with more than 2 decimals (there should be none). */
function longDecimals(svg: string): string[] {
  return svg.match(/\d+\.\d{3,}/g) ?? [];
}

function attributes(svg: string, element: string, name: string): number[] {
  const pattern = new RegExp(`<${element}[^>]*?\\s${name}="([-\\d.]+)"`, 'g');
  return [...svg.matchAll(pattern)].map((match) => Number(match[1]));
}

/** The data bars (rects with a tooltip; legend swatches have none), in document order. */
function bars(svg: string): { x: number; y: number; width: number; height: number }[] {
  return [
    ...svg.matchAll(
      /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="[^"]+"><title>/g,
    ),
  ].map((match) => ({
    x: Number(match[1]),
    y: Number(match[2]),
    width: Number(match[3]),
    height: Number(match[4]),
  }));
}

describe('valueScale', () => {
  it('extends the domain to nice round values and gives whole-number ticks for counts', () => {
    const scale = valueScale(17, [200, 0], { integer: true });
    expect(scale.max).toBe(20);
    expect(scale.ticks).toEqual([0, 5, 10, 15, 20]);
    expect(scale.scale(0)).toBe(200);
    expect(scale.scale(20)).toBe(0);
    expect(scale.scale(10)).toBe(100);
  });

  it('keeps an axis for all-zero counts, with no fractional ticks', () => {
    const scale = valueScale(0, [100, 0], { integer: true });
    expect(scale.max).toBe(1);
    expect(scale.ticks).toEqual([0, 1]);
  });

  it('uses a fixed maximum as given (percentages)', () => {
    const scale = valueScale(37, [0, 500], { fixedMax: 100 });
    expect(scale.max).toBe(100);
    expect(scale.ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(scale.scale(50)).toBe(250);
  });
});

describe('num', () => {
  it('rounds to 2 decimals and writes the shortest form', () => {
    expect(num(1 / 3)).toBe('0.33');
    expect(num(2.5)).toBe('2.5');
    expect(num(3.0)).toBe('3');
    expect(num(-0.001)).toBe('0');
    expect(num(99.999)).toBe('100');
  });
});

describe('lineChart', () => {
  const options = {
    id: 'trend',
    title: 'Open findings by severity',
    categories: ['2026-02-28', '2026-03-01', '2026-03-02'],
    series: [
      { name: 'CRITICAL', colour: SEVERITY_COLOURS.CRITICAL, values: [1, 3, 2] },
      { name: 'HIGH', colour: SEVERITY_COLOURS.HIGH, values: [7, 9, 8] },
    ],
  };

  it('draws one path per series, points on the value scale, with axis ticks and a legend', () => {
    const svg = lineChart(options);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain(`stroke="${SEVERITY_COLOURS.CRITICAL}"`);
    // The axis runs to 10 (9 made nice) in whole-number ticks.
    const cys = attributes(svg, 'circle', 'cy');
    expect(cys).toHaveLength(6);
    const yTicks = [...svg.matchAll(/<text [^>]*text-anchor="end"[^>]*>(\d+)<\/text>/g)].map((m) =>
      Number(m[1]),
    );
    expect(yTicks).toEqual([0, 2, 4, 6, 8, 10]);
    // Higher values are drawn higher (smaller y).
    expect(cys[4]).toBeLessThan(cys[3]!);
    expect(cys[1]).toBeLessThan(cys[0]!);
    expect(svg).toContain('>CRITICAL</text>');
    expect(svg).toContain('>HIGH</text>');
    expect(svg).toContain('2026-03-02');
  });

  it('is accessible: a title, an aria-label and role img', () => {
    const svg = lineChart(options);
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-label="Open findings by severity"/);
    expect(svg).toContain('<title id="trend-title">Open findings by severity</title>');
  });

  it('is deterministic and writes numbers with at most 2 decimals', () => {
    const first = lineChart({ ...options, width: 613 });
    expect(lineChart({ ...options, width: 613 })).toBe(first);
    expect(longDecimals(first)).toEqual([]);
  });

  it('says "no data yet" instead of drawing an empty frame', () => {
    const svg = lineChart({ ...options, categories: [] });
    expect(svg).toContain(`>${EMPTY_CHART_TEXT}</text>`);
    expect(svg).toContain('<title id="trend-title">');
    expect(svg).not.toContain('<path');
  });

  it('shows a single day as dots (a first run has one point)', () => {
    const svg = lineChart({
      ...options,
      categories: ['2026-03-02'],
      series: options.series.map((entry) => ({ ...entry, values: [entry.values[0]!] })),
    });
    expect(svg.match(/<circle /g)).toHaveLength(2);
  });
});

describe('columnChart', () => {
  const options = {
    id: 'flow',
    title: 'New vs fixed',
    categories: ['a', 'b'],
    series: [
      { name: 'new', colour: '#f00', values: [2, 0] },
      { name: 'fixed', colour: '#0f0', values: [3, 1] },
    ],
  };

  it('stacks series with d3-shape: the top of a stack is the sum', () => {
    const svg = columnChart({ ...options, stacked: true });
    const drawn = bars(svg);
    // Three bars (a zero value draws none): new a, fixed a, fixed b.
    expect(drawn).toHaveLength(3);
    const [newA, fixedA] = drawn;
    // "fixed" on a sits on top of "new" on a: its bottom is new's top.
    expect(fixedA!.y + fixedA!.height).toBeCloseTo(newA!.y, 1);
    expect(fixedA!.x).toBe(newA!.x);
    // The stack (5) is as high as the top tick (5): 2 is 2/5 of it.
    expect(newA!.height / (newA!.height + fixedA!.height)).toBeCloseTo(2 / 5, 2);
    expect(svg).toMatch(/>5<\/text>/);
  });

  it('groups series side by side when not stacked', () => {
    const svg = columnChart(options);
    const [newA, fixedA] = bars(svg);
    expect(fixedA!.x).toBeGreaterThan(newA!.x);
    // Side by side, each from the axis: 3 is 1.5 times 2, and both end on the axis.
    expect(fixedA!.height / newA!.height).toBeCloseTo(1.5, 2);
    expect(fixedA!.y + fixedA!.height).toBeCloseTo(newA!.y + newA!.height, 1);
  });

  it('draws an axis for all-zero days rather than nothing', () => {
    const svg = columnChart({
      ...options,
      series: options.series.map((entry) => ({ ...entry, values: [0, 0] })),
    });
    expect(svg).not.toContain(EMPTY_CHART_TEXT);
    expect(svg).toMatch(/>1<\/text>/);
  });
});

describe('barChart', () => {
  const series = [
    { name: 'failing', colour: '#f00' },
    { name: 'passing', colour: '#0f0' },
  ];

  it('escapes every label: row labels, series names and the title', () => {
    const svg = barChart({
      id: 'rules',
      title: `Rules ${HOSTILE}`,
      series: [{ name: `"><script>alert(1)</script>`, colour: '#f00' }],
      rows: [{ label: HOSTILE, values: [3] }],
      labelLength: 200,
    });
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(svg).toContain('data-series="&quot;&gt;&lt;script&gt;');
  });

  it('cuts long labels and keeps the full label as a tooltip', () => {
    const label = 'a-very-long-config-rule-name-that-goes-on-and-on';
    const svg = barChart({ id: 'r', title: 'r', series, rows: [{ label, values: [1, 2] }] });
    expect(svg).toContain(`<title>${label}</title>`);
    expect(svg).toContain(`>${label.slice(0, 31)}…<title>`);
  });

  it('stacks each row left to right and writes the total or the note at its end', () => {
    const svg = barChart({
      id: 'r',
      title: 'r',
      series,
      rows: [
        { label: 'a', values: [2, 6] },
        { label: 'b', values: [1, 1], note: '1 of 2 failing' },
      ],
    });
    // Bars come per series: failing a, failing b, passing a, passing b.
    const [failingA, , passingA] = bars(svg);
    expect(passingA!.x).toBeCloseTo(failingA!.x + failingA!.width, 1);
    expect(passingA!.width / failingA!.width).toBeCloseTo(3, 1);
    expect(svg).toContain('>8</text>');
    expect(svg).toContain('>1 of 2 failing</text>');
  });

  it('uses percent ticks with a fixed maximum', () => {
    const svg = barChart({
      id: 't',
      title: 't',
      series,
      rows: [{ label: 'AWS::S3::Bucket', values: [62.5, 37.5] }],
      max: 100,
      unit: '%',
    });
    expect(svg).toContain('>100%</text>');
    expect(svg).toContain('>0%</text>');
    expect(svg).not.toContain('>120%<');
  });

  it('says why there is nothing to draw', () => {
    const svg = barChart({
      id: 'r',
      title: 'r',
      series,
      rows: [],
      emptyWhy: 'no rule was evaluated',
    });
    expect(svg).toContain(`>${EMPTY_CHART_TEXT}: no rule was evaluated</text>`);
    expect(svg).not.toContain('<rect x="0.5" y="0.5" width="0"');
  });

  it('is deterministic', () => {
    const options = {
      id: 'r',
      title: 'r',
      series,
      rows: [
        { label: 'x', values: [1 / 3, 2 / 3] },
        { label: 'y', values: [0.1, 0.7] },
      ],
      integer: false,
    };
    expect(barChart(options)).toBe(barChart(options));
    expect(longDecimals(barChart(options))).toEqual([]);
  });
});
