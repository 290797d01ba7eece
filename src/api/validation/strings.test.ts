import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName,
  isValidLabelValue, isValidPathSegmentName, isValidPercent, isWildcardDNS1123Subdomain, isDomainPrefixedPath,
  isFullyQualifiedDomainName,
} from './strings.js';
import { isValidPortName, isValidPortNum, parsePortRange, validatePortNumOrName, validateProtocol } from './ports.js';
import { fieldErrorText } from '../../kube/errors.js';

// Messages as upstream prints them (k8s.io/apimachinery/pkg/util/validation/validation_test.go and
// what kubectl shows against a real API server).
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('DNS names', () => {
  const cases: Array<[string, (s: string) => string[], string, string[]]> = [
    ['subdomain ok', isDNS1123Subdomain, 'a.b-c.d', []],
    ['subdomain upper case', isDNS1123Subdomain, 'Web', [SUBDOMAIN_MSG]],
    ['subdomain trailing dot', isDNS1123Subdomain, 'a.', [SUBDOMAIN_MSG]],
    ['subdomain too long', isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
    ['label ok', isDNS1123Label, '123-abc', []],
    ['label with dots', isDNS1123Label, 'a.b', ['must not contain dots']],
    ['label underscore', isDNS1123Label, 'a_b', [LABEL_MSG]],
    ['label too long', isDNS1123Label, 'a'.repeat(64), ['must be no more than 63 characters']],
    ['1035 ok', isDNS1035Label, 'web-1', []],
    ['1035 leading digit', isDNS1035Label, '1web', [DNS1035_MSG]],
    ['1035 empty', isDNS1035Label, '', [DNS1035_MSG]],
  ];
  for (const [name, fn, value, want] of cases) it(name, () => assert.deepEqual(fn(value), want));

  it('wildcard subdomains need exactly a leading "*."', () => {
    assert.deepEqual(isWildcardDNS1123Subdomain('*.foo.com'), []);
    assert.match(isWildcardDNS1123Subdomain('*foo.com')[0], /^a wildcard DNS-1123 subdomain must start with '\*\.'/);
  });

  it('fully qualified domain names need two segments', () => {
    assert.equal(isFullyQualifiedDomainName('example.com.'), undefined);
    assert.deepEqual(isFullyQualifiedDomainName('localhost'), { value: 'localhost', detail: 'should be a domain with at least two segments separated by dots' });
  });
});

describe('qualified names and label values', () => {
  it('accepts prefixed and plain names', () => {
    assert.deepEqual(isQualifiedName('app'), []);
    assert.deepEqual(isQualifiedName('kubernetes.io/service-name'), []);
  });
  it('reports the name part', () => assert.deepEqual(isQualifiedName('-bad'), [NAME_PART_MSG]));
  it('reports an empty prefix', () => assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']));
  it('reports a bad prefix', () => assert.deepEqual(isQualifiedName('Bad/x'), ['prefix part ' + SUBDOMAIN_MSG]));
  it('reports more than one slash', () => {
    assert.deepEqual(isQualifiedName('a/b/c'), ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]);
  });
  it('reports an empty and a long name part', () => {
    assert.deepEqual(isQualifiedName('a/'), ['name part must be non-empty', NAME_PART_MSG]);
    assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters']);
  });
  it('label values may be empty but not start with a dash', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('-x'), [LABEL_VALUE_MSG]);
    assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('other string formats', () => {
  it('config map keys', () => {
    assert.deepEqual(isConfigMapKey('tls.crt'), []);
    assert.deepEqual(isConfigMapKey('..x'), ["must not start with '..'"]);
    assert.deepEqual(isConfigMapKey('a b'), ["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]);
  });
  it('env var names', () => {
    assert.deepEqual(isEnvVarName('MY_VAR'), []);
    assert.deepEqual(isEnvVarName('1X'), ["a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"]);
  });
  it('percentages', () => {
    assert.deepEqual(isValidPercent('25%'), []);
    assert.deepEqual(isValidPercent('25'), ["a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]);
  });
  it('path segment names', () => {
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('a/b%'), ["may not contain '/'", "may not contain '%'"]);
  });
  it('domain-prefixed paths', () => {
    assert.deepEqual(isDomainPrefixedPath('k8s.io/ingress-nginx'), []);
    assert.deepEqual(isDomainPrefixedPath('nginx'), [['nginx', 'must be a domain-prefixed path (such as "acme.io/foo")']]);
  });
});

describe('ports and protocols', () => {
  it('port numbers are 1-65535', () => {
    assert.deepEqual(isValidPortNum(1), []);
    assert.deepEqual(isValidPortNum(65535), []);
    assert.deepEqual(isValidPortNum(0), ['must be between 1 and 65535, inclusive']);
    assert.deepEqual(isValidPortNum(65536), ['must be between 1 and 65535, inclusive']);
  });
  it('port names', () => {
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('-a--b-'), ['must not contain consecutive hyphens', 'must not begin or end with a hyphen']);
    assert.deepEqual(isValidPortName('a-very-long-port-name'), ['must be no more than 15 characters']);
    assert.deepEqual(isValidPortName('HTTP'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
  });
  it('IntOrString ports print as upstream', () => {
    assert.deepEqual(validatePortNumOrName('spec.ports[0].targetPort', 0).map(fieldErrorText), ['spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive']);
    assert.deepEqual(validatePortNumOrName('spec.ports[0].targetPort', '8080').map(fieldErrorText), ['spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)']);
  });
  it('protocols', () => {
    assert.deepEqual(validateProtocol('p', 'UDP'), []);
    assert.deepEqual(validateProtocol('spec.ports[0].protocol', 'HTTP').map(fieldErrorText), ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']);
    assert.deepEqual(validateProtocol('spec.ports[0].protocol', '').map(fieldErrorText), ['spec.ports[0].protocol: Required value']);
  });
  it('port ranges', () => {
    assert.deepEqual(parsePortRange('30000-32767'), { base: 30000, size: 2768 });
    assert.deepEqual(parsePortRange([30000, 30001]), { base: 30000, size: 2 });
    assert.throws(() => parsePortRange('32767-30000'), /invalid port range/);
    assert.throws(() => parsePortRange('abc'), /invalid port range/);
  });
});
