import { ConfigurationError } from '../../actions/src/core/errors';
import { formatScope, nearMatches, parseScope } from '../../actions/src/core/scope';

function parseError(value: string | string[]): Error {
  try {
    parseScope(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as Error;
  }
  throw new Error(`parseScope(${JSON.stringify(value)}) did not throw`);
}

describe('parseScope', () => {
  it.each<[string, string | string[] | undefined, Record<string, string>]>([
    ['nothing', undefined, {}],
    ['an empty input', '', {}],
    ['one tag', 'Environment=prod', { Environment: 'prod' }],
    ['commas', 'Environment=prod, Team=web', { Environment: 'prod', Team: 'web' }],
    [
      'newlines, as a YAML block scalar gives them',
      'Environment=prod\nTeam=web\n',
      {
        Environment: 'prod',
        Team: 'web',
      },
    ],
    ['blank lines and padding', '\n  Environment =  prod \n\n', { Environment: 'prod' }],
    ['repeated CLI flags', ['Environment=prod', 'Team=web'], { Environment: 'prod', Team: 'web' }],
    ['a value containing =', 'Query=a=b', { Query: 'a=b' }],
    ['case kept as given (tags are case-sensitive)', 'environment=Prod', { environment: 'Prod' }],
    [
      'an aws: key (reading is allowed)',
      'aws:cloudformation:stack-name=shop-prod',
      {
        'aws:cloudformation:stack-name': 'shop-prod',
      },
    ],
    [
      'the characters AWS allows',
      'Owner=web-team@example.com, Path=/a/b+c_d.e:f',
      {
        Owner: 'web-team@example.com',
        Path: '/a/b+c_d.e:f',
      },
    ],
    ['letters of any script and inner spaces', 'Équipe=Données Prod', { Équipe: 'Données Prod' }],
  ])('reads %s', (_name, value, expected) => {
    expect(parseScope(value)).toEqual(expected);
  });

  it.each<[string, string | string[], string]>([
    [
      'an empty value',
      'Environment=',
      'scope: "Environment=" has an empty value; give the value the target\'s resources carry, e.g. Environment=prod',
    ],
    [
      'an empty value after padding',
      'Environment =   ',
      'scope: "Environment =" has an empty value; give the value the target\'s resources carry, e.g. Environment=prod',
    ],
    [
      'an empty value on the second line of an action input',
      'Environment=prod\nService=',
      'scope: "Service=" has an empty value; give the value the target\'s resources carry, e.g. Service=prod',
    ],
    [
      'an empty value among repeated flags',
      ['Environment=prod', 'Service='],
      'scope: "Service=" has an empty value; give the value the target\'s resources carry, e.g. Service=prod',
    ],
    [
      'an entry without =',
      'Environment',
      'scope: "Environment" is not Key=Value; e.g. Environment=prod',
    ],
    ['an empty key', '=prod', 'scope: "=prod" is not Key=Value; e.g. Environment=prod'],
    [
      'a key given twice',
      'Environment=prod, Environment=staging',
      'scope: the tag key Environment is given twice',
    ],
    [
      'a key given twice with different padding',
      'Environment=prod\n Environment =prod',
      'scope: the tag key Environment is given twice',
    ],
    [
      'a key with a character AWS refuses',
      'Env;rm=prod',
      'scope: "Env;rm" is not a tag key AWS accepts (1-128 letters, digits, spaces and _ . : / = + - @)',
    ],
    [
      'a key longer than 128 characters',
      `${'K'.repeat(129)}=prod`,
      `scope: "${'K'.repeat(129)}" is not a tag key AWS accepts (1-128 letters, digits, spaces and _ . : / = + - @)`,
    ],
    [
      'a value with a character AWS refuses',
      'Environment=prod|staging',
      'scope: the value of Environment is not a tag value AWS accepts (up to 256 letters, digits, spaces and _ . : / = + - @)',
    ],
    [
      'a value longer than 256 characters',
      `Environment=${'v'.repeat(257)}`,
      'scope: the value of Environment is not a tag value AWS accepts (up to 256 letters, digits, spaces and _ . : / = + - @)',
    ],
  ])('rejects %s, naming the input', (_name, value, message) => {
    expect(parseError(value).message).toBe(message);
  });

  it('names the input it was given', () => {
    expect(() => parseScope('Environment=', 'tags')).toThrow(
      /^tags: "Environment=" has an empty value/,
    );
  });
});

describe('formatScope', () => {
  it('lists the pairs in order, or says every resource', () => {
    expect(formatScope({ Environment: 'prod', Service: 'web' })).toBe(
      'Environment=prod, Service=web',
    );
    expect(formatScope({})).toBe('every resource');
  });
});

describe('nearMatches', () => {
  const keys = [
    'Environment',
    'environment',
    'Enviroment',
    'Env',
    'Owner',
    'Service',
    'CostCenter',
  ];

  it('finds the same key in another case and one or two typos away, closest first', () => {
    expect(nearMatches('Environment', keys)).toEqual(['environment', 'Enviroment']);
    expect(nearMatches('Enviroment', keys)).toEqual(['environment', 'Environment']);
    expect(nearMatches('ENVIRONMENT', keys)).toEqual(['environment', 'Environment', 'Enviroment']);
  });

  it('allows one edit only for short words, and nothing unrelated', () => {
    expect(nearMatches('prod', ['Prod', 'prd', 'dev', 'production'])).toEqual(['Prod', 'prd']);
    expect(nearMatches('Team', keys)).toEqual([]);
  });
});
