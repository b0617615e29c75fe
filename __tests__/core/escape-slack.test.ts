import { MAX_SLACK_TEXT, slackLink, slackText } from '../../actions/src/core/escape';

describe('slackText: untrusted text stays text in Slack mrkdwn', () => {
  it.each([
    ['<!channel> wake up', '&lt;!channel&gt; wake up'],
    ['<!here|here>', '&lt;!here|here&gt;'],
    ['<@U123ABC> look', '&lt;@U123ABC&gt; look'],
    ['<http://evil.example|click>', '&lt;http://evil.example|click&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt; already', '&amp;lt; already'],
    ['*bold* _italic_ ~strike~ `code`', '∗bold∗ ˍitalicˍ ∼strike∼ ˋcodeˋ'],
    ['line one\n> quoted\r\n• two', 'line one &gt; quoted • two'],
    ['bell\u0007 esc\u001b', 'bell esc'],
  ])('%j', (input, expected) => {
    const text = slackText(input);
    expect(text).toBe(expected);
    expect(text).not.toMatch(/[<>\n\r*_~`]/);
  });

  it('gives – for nothing, and numbers as text', () => {
    expect(slackText(undefined)).toBe('–');
    expect(slackText('')).toBe('–');
    expect(slackText(42)).toBe('42');
  });

  it('clips to max characters counting the entities, never inside one', () => {
    expect(slackText('x'.repeat(MAX_SLACK_TEXT + 50))).toHaveLength(MAX_SLACK_TEXT);
    const clipped = slackText('<'.repeat(100), 12);
    // Two entities (8) fit with the ellipsis; a third would pass 12.
    expect(clipped).toBe('&lt;&lt;…');
    expect(clipped.length).toBeLessThanOrEqual(12);
    expect(slackText('abc', 3)).toBe('abc');
    expect(slackText('abcd', 3)).toBe('ab…');
  });

  it('escapes text that looks escaped already: an entity in the input is never trusted as markup', () => {
    expect(slackText(slackText('<!channel>'))).toBe('&amp;lt;!channel&amp;gt;');
  });
});

describe('slackLink: only http(s) URLs become links', () => {
  it('links an https URL with an escaped label', () => {
    expect(slackLink('*CVE* <!channel>', 'https://nvd.nist.gov/vuln/detail/CVE-2024-6387')).toBe(
      '<https://nvd.nist.gov/vuln/detail/CVE-2024-6387|∗CVE∗ &lt;!channel&gt;>',
    );
  });

  it('escapes & < > in the URL and percent-encodes | so the label cannot be replaced', () => {
    expect(slackLink('run', 'https://example.com/a?x=1&y=2|evil')).toBe(
      '<https://example.com/a?x=1&amp;y=2%7Cevil|run>',
    );
  });

  it.each([
    ['javascript:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['/relative/path'],
    ['slack://channel?id=C1'],
    [undefined],
  ])('gives plain escaped text for %j', (url) => {
    expect(slackLink('<b>report</b>', url)).toBe('&lt;b&gt;report&lt;/b&gt;');
  });
});
