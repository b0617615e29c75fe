import {
  clip,
  csv,
  htmlText,
  logLine,
  MAX_MARKDOWN_TEXT,
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
    expect(markdownText('<img src=x onerror=alert(3)>')).toBe('\\<img src=x onerror=alert(3)\\>');
    expect(markdownText('a|b\nc')).toBe('a\\|b c');
    expect(markdownText('[x](javascript:alert(1))')).toBe('\\[x\\](javascript:alert(1))');
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
    expect(markdownLink('CVE-1', 'javascript:alert(1)')).toBe('CVE-1');
    expect(markdownLink('CVE-1', 'https://example.com/a b(c)')).toBe(
      '[CVE-1](https://example.com/a%20b%28c%29)',
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
  it('keeps a CSV text: NUL and other control characters become U+FFFD, line breaks stay quoted', () => {
    const out = csv([['a\u0000b\u0007c\u001bd\u007f', 'two\nlines', 5]]);
    expect(out).toBe('a\ufffdb\ufffdc\ufffdd\ufffd,"two\nlines",5\n');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  });
});

describe("logLine: the runner's older `##[command]` syntax, found anywhere in a line", () => {
  it.each([
    ['tag ##[error]INJECTED', 'tag ##␠[error]INJECTED'],
    ['##[add-mask]secret', '##␠[add-mask]secret'],
    ['a\n##[set-output name=verdict;]pass', 'a⏎##␠[set-output name=verdict;]pass'],
  ])('%j', (input, expected) => {
    const line = logLine(input);
    expect(line).toBe(expected);
    expect(line).not.toContain('##[');
  });

  it('changes nothing more when applied twice', () => {
    const once = logLine('x\n::error::INJECTED ##[warning]y');
    expect(logLine(once)).toBe(once);
  });
});

describe('markdownText never starts a list, a heading or a workflow command', () => {
  it.each([
    ['::error::INJECTED', '\\::error::INJECTED'],
    ['1. first', '1\\. first'],
    ['2) second', '2\\) second'],
    ['# heading', '\\# heading'],
    ['- item', '\\- item'],
  ])('%j', (input, expected) => {
    expect(markdownText(input)).toBe(expected);
  });

  it('cuts untrusted text at MAX_MARKDOWN_TEXT characters, saying so with …', () => {
    const long = 'a'.repeat(MAX_MARKDOWN_TEXT + 50);
    expect(markdownText(long)).toBe(`${'a'.repeat(MAX_MARKDOWN_TEXT - 1)}…`);
    expect(markdownCode(long)).toBe(`\`${'a'.repeat(MAX_MARKDOWN_TEXT - 1)}…\``);
    expect(clip('héllo wörld', 5)).toBe('héll…');
  });
});

describe('markdownCode cannot hold `##[`, which nothing escapes inside a code span', () => {
  it('gives such text as escaped text instead', () => {
    expect(markdownCode('x ##[error]y')).toBe('x ##\\[error\\]y');
    expect(markdownCode('x ##[error]y')).not.toContain('##[');
  });
});

describe('markdownLink destinations cannot end a cell or spell a command', () => {
  it('percent-encodes |, \\ and brackets after the host, and keeps an IPv6 host', () => {
    expect(markdownLink('a', 'https://example.com/a|b?q=[1]#x##[error]y')).toBe(
      '[a](https://example.com/a%7Cb?q=%5B1%5D#x##%5Berror%5Dy)',
    );
    expect(markdownLink('a', 'http://[::1]:8080/p')).toBe('[a](http://[::1]:8080/p)');
  });
});
