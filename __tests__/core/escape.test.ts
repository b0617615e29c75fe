import {
  csv,
  htmlText,
  logLine,
  markdownCode,
  markdownLink,
  markdownText,
  safeUrl,
} from '../../actions/src/core/escape';

describe('logLine: untrusted text never starts a workflow command or a new line', () => {
  it.each([
    ['x\n::error::INJECTED\n::stop-commands::tok', 'x⏎::error::INJECTED⏎::stop-commands::tok'],
    ['::add-mask::secret', '␠::add-mask::secret'],
    ['  ::warning::x', '␠  ::warning::x'],
    ['a\r\nb\rc\u2028d\u2029e\u0085f', 'a⏎b⏎c⏎d⏎e⏎f'],
    ['bell\u0007 and esc\u001b[31m', 'bell and esc[31m'],
    ['plain text: fine', 'plain text: fine'],
  ])('%j', (input, expected) => {
    const line = logLine(input);
    expect(line).toBe(expected);
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).not.toMatch(/^\s*::/);
  });
});

describe('markdownText: shown as written, never as HTML, a link or a table break', () => {
  it('escapes HTML, pipes, brackets and math', () => {
    expect(markdownText('<img src=x onerror=alert(3)>')).toBe(
      '\\<img src=x onerror=alert\\(3\\)\\>',
    );
    expect(markdownText('a|b\nc')).toBe('a\\|b c');
    expect(markdownText('[x](javascript:alert(1))')).toBe('\\[x\\]\\(javascript:alert\\(1\\)\\)');
    expect(markdownText('$x$ **b** `c`')).toBe('\\$x\\$ \\*\\*b\\*\\* \\`c\\`');
  });
  it('renders an empty value as a dash', () => {
    expect(markdownText('')).toBe('–');
    expect(markdownText(undefined)).toBe('–');
    expect(markdownText(3)).toBe('3');
  });
});

describe('markdownCode', () => {
  it('fences text holding backticks and keeps table cells whole', () => {
    expect(markdownCode('arn:aws:s3:::b')).toBe('`arn:aws:s3:::b`');
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode('`x`')).toBe('`` `x` ``');
    expect(markdownCode('a|b\nc')).toBe('`a\\|b c`');
    expect(markdownCode('')).toBe('–');
  });
});

describe('links: only http(s) URLs become links', () => {
  it.each([
    ['javascript:alert(1)', undefined],
    ['JaVaScRiPt:alert(1)', undefined],
    [' data:text/html,<script>', undefined],
    ['/relative/path', undefined],
    ['http://', undefined],
    [
      'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
      'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
    ],
  ])('safeUrl(%j)', (url, expected) => {
    expect(safeUrl(url)).toBe(expected);
  });
  it('renders unsafe URLs as text only', () => {
    expect(markdownLink('CVE-1', 'javascript:alert(1)')).toBe('CVE\\-1');
    expect(markdownLink('CVE-1', 'https://example.com/a b(c)')).toBe(
      '[CVE\\-1](https://example.com/a%20b%28c%29)',
    );
  });
});

describe('htmlText and csv', () => {
  it('escapes HTML', () => {
    expect(htmlText(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });
  it('quotes CSV and neutralizes formulas', () => {
    expect(
      csv([
        ['arn', 'value'],
        ['a,b', '=HYPERLINK("x")'],
        ['-1+2', '@SUM(1)'],
      ]),
    ).toBe('arn,value\n"a,b","\'=HYPERLINK(""x"")"\n\'-1+2,\'@SUM(1)\n');
  });
});
