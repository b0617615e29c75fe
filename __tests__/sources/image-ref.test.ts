import { ConfigurationError } from '../../actions/src/core/errors';
import {
  formatImage,
  isImageDigest,
  parseImageRef,
  type ImageRef,
} from '../../actions/src/sources/image-ref';

const HEX = 'c0ffee'.padEnd(64, '0');
const DIGEST = `sha256:${HEX}`;
const FORMATS =
  'expected repo:tag, repo@sha256:<64 hex>, or <account>.dkr.ecr.<region>.amazonaws.com/repo:tag';

describe('parseImageRef', () => {
  it.each<[string, Omit<ImageRef, 'text'>]>([
    ['web:1.4.2', { repository: 'web', tag: '1.4.2' }],
    ['web:latest', { repository: 'web', tag: 'latest' }],
    [`web@${DIGEST}`, { repository: 'web', digest: DIGEST }],
    [`web:1.4.2@${DIGEST}`, { repository: 'web', tag: '1.4.2', digest: DIGEST }],
    ['team-a/web.api_v2:main-abc1234', { repository: 'team-a/web.api_v2', tag: 'main-abc1234' }],
    ['org/team/service:V1_RC', { repository: 'org/team/service', tag: 'V1_RC' }],
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2',
      { repository: 'web', tag: '1.4.2', registryId: '123456789012', region: 'us-east-1' },
    ],
    [
      `123456789012.dkr.ecr.eu-west-3.amazonaws.com/team/web@${DIGEST}`,
      { repository: 'team/web', digest: DIGEST, registryId: '123456789012', region: 'eu-west-3' },
    ],
    [
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web:1',
      { repository: 'web', tag: '1', registryId: '123456789012', region: 'cn-north-1' },
    ],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/web:1',
      { repository: 'web', tag: '1', registryId: '123456789012', region: 'us-gov-west-1' },
    ],
    ['  web:1.4.2  ', { repository: 'web', tag: '1.4.2' }],
  ])('parses %j', (input, expected) => {
    expect(parseImageRef(input)).toEqual({ text: input.trim(), ...expected });
  });

  it.each<[string, string]>([
    ['web', 'has neither a tag nor a digest (assetguard never assumes :latest)'],
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
      'has neither a tag nor a digest (assetguard never assumes :latest)',
    ],
    ['web@sha256:abc', 'has digest "sha256:abc", which is not sha256:<64 lowercase hex>'],
    [
      `web@sha256:${HEX.toUpperCase()}`,
      `has digest "sha256:${HEX.toUpperCase()}", which is not sha256:<64 lowercase hex>`,
    ],
    [`web@md5:${HEX}`, `has digest "md5:${HEX}", which is not sha256:<64 lowercase hex>`],
    ['Web:1', 'has repository "Web", which is not a valid ECR repository name'],
    ['web//api:1', 'has repository "web//api", which is not a valid ECR repository name'],
    ['-web:1', 'has repository "-web", which is not a valid ECR repository name'],
    ['web:', 'has tag "", which is not a valid image tag'],
    ['web:.hidden', 'has tag ".hidden", which is not a valid image tag'],
    [`web:${'t'.repeat(129)}`, `has tag "${'t'.repeat(129)}", which is not a valid image tag`],
    [
      'docker.io/library/nginx:1',
      'names registry "docker.io", which is not an Amazon ECR private registry',
    ],
    [
      'public.ecr.aws/nginx/nginx:1',
      'names registry "public.ecr.aws", which is not an Amazon ECR private registry',
    ],
    [
      '12345.dkr.ecr.us-east-1.amazonaws.com/web:1',
      'names registry "12345.dkr.ecr.us-east-1.amazonaws.com", which is not an Amazon ECR private registry',
    ],
    [
      'localhost:5000/web:1',
      'has repository "localhost:5000/web", which is not a valid ECR repository name',
    ],
  ])('rejects %j: %s', (input, why) => {
    expect(() => parseImageRef(input)).toThrow(
      new ConfigurationError(`image: "${input}" ${why}; ${FORMATS}`),
    );
  });

  it('rejects an empty reference as a ConfigurationError', () => {
    expect(() => parseImageRef('  ')).toThrow(ConfigurationError);
    expect(() => parseImageRef('  ')).toThrow(`image: "  " is empty; ${FORMATS}`);
  });
});

describe('formatImage', () => {
  it('names an image by digest, with its tag when known', () => {
    expect(formatImage({ repository: 'web', digest: DIGEST, tag: '1.4.2' })).toBe(
      `web@${DIGEST} (1.4.2)`,
    );
    expect(formatImage({ repository: 'web', digest: DIGEST })).toBe(`web@${DIGEST}`);
  });

  it('names a platform manifest by its platform and the index tag it was reached through', () => {
    const index = { digest: `sha256:${'1'.repeat(64)}`, tag: '1.4.2' };
    expect(
      formatImage({ repository: 'web', digest: DIGEST, platform: 'linux/arm64/v8', index }),
    ).toBe(`web@${DIGEST} (linux/arm64/v8 of 1.4.2)`);
    expect(
      formatImage({
        repository: 'web',
        digest: DIGEST,
        platform: 'linux/amd64',
        index: { digest: index.digest },
      }),
    ).toBe(`web@${DIGEST} (linux/amd64 of ${index.digest})`);
  });
});

describe('isImageDigest', () => {
  it.each<[string, boolean]>([
    [DIGEST, true],
    [`sha256:${'A'.repeat(64)}`, false],
    ['sha256:abc', false],
    [`sha512:${'a'.repeat(64)}`, false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(isImageDigest(text)).toBe(expected);
  });
});
