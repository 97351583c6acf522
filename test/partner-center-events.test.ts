// Partner Center webhook events: the signature is checked as Partner Center documents it, failing closed.
// The certificates are fixed files made once with openssl (see fixtures/partner-center-webhook/README.md).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { sign, X509Certificate } from 'node:crypto';
import {
  clearCertificateCache,
  DOCUMENTED_CERTIFICATE_HOSTS,
  PartnerCenterEvent,
  referralIdOf,
  verifyPartnerCenterSignature,
  type PartnerCenterTrust,
} from '../services/partner-center-events.js';

const file = (name: string) => readFileSync(new URL(`./fixtures/partner-center-webhook/${name}`, import.meta.url), 'utf8');
const pem = {
  ca: file('trusted-ca.pem'),
  leaf: file('leaf.pem'),
  leafKey: file('leaf-key.pem'),
  otherKey: file('other-key.pem'),
  rogueLeaf: file('rogue-leaf.pem'), // issuer says O=Microsoft Corporation, but the CA is not trusted
  rogueLeafKey: file('rogue-leaf-key.pem'),
  selfSigned: file('self-signed.pem'), // O=Microsoft Corporation, issued by itself
  selfSignedKey: file('self-signed-key.pem'),
};

const REFERRAL_ID = '5b3ad4f8-1c2e-4a57-9d0b-6f1e2a3c4d5e';
const CERT_URL = 'https://3psostorageacct.blob.core.windows.net/cert/pcnotifications-dispatch.microsoft.com.cer';
const NOW = new Date('2026-03-01T12:00:00Z'); // inside the fixtures' 2025–2035 validity
const body = Buffer.from(
  JSON.stringify({
    EventName: 'referral-created',
    ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${REFERRAL_ID}`,
    ResourceName: 'referral',
    AuditUri: null,
    ResourceChangeUtcDate: '2018-02-17T00:05:39.5485487+00:00',
  }),
  'utf8',
);
const trust: PartnerCenterTrust = { caPem: [pem.ca], issuerOrganization: 'Test Corporation', certificateHosts: DOCUMENTED_CERTIFICATE_HOSTS };

const signature = (key: string, data: Buffer = body) => sign('sha256', data, key).toString('base64');
/** The headers of the documented sample request, signed by `key`; entries of `overrides` replace them (undefined removes one). */
const headersFor = (key = pem.leafKey, overrides: Record<string, string | undefined> = {}) => ({
  'content-type': 'application/json',
  authorization: `Signature ${signature(key)}`,
  'x-ms-certificate-url': CERT_URL,
  'x-ms-signature-algorithm': 'rsa-sha256',
  ...overrides,
});
const serving = (certificate: string | Buffer = pem.leaf) => vi.fn(async (_url: string) => Buffer.from(certificate));

async function check(opts: { headers?: Record<string, string | undefined>; rawBody?: Buffer; certificate?: string | Buffer; trust?: Partial<PartnerCenterTrust>; now?: Date } = {}) {
  const fetchCertificate = serving(opts.certificate);
  const result = await verifyPartnerCenterSignature({
    rawBody: opts.rawBody ?? body,
    headers: opts.headers ?? headersFor(),
    fetchCertificate,
    trust: { ...trust, ...opts.trust },
    now: opts.now ?? NOW,
  });
  return { result, fetchCertificate };
}
const refusal = (result: { ok: boolean; reason?: string }) => (result.ok ? 'accepted' : result.reason);

beforeEach(() => clearCertificateCache());

describe('verifyPartnerCenterSignature', () => {
  it('accepts an event signed as documented (Authorization: Signature <base64>, rsa-sha256)', async () => {
    const { result, fetchCertificate } = await check();
    expect(result).toEqual({ ok: true });
    expect(fetchCertificate).toHaveBeenCalledWith(CERT_URL);
  });

  it('accepts the token in x-ms-signature (SignatureTokenToMsSignatureHeader), bare or with the scheme', async () => {
    for (const value of [signature(pem.leafKey), `Signature ${signature(pem.leafKey)}`]) {
      const { result } = await check({ headers: headersFor(pem.leafKey, { authorization: undefined, 'x-ms-signature': value }) });
      expect(result).toEqual({ ok: true });
    }
  });

  it('accepts a DER certificate and header names in any case', async () => {
    const h = headersFor();
    const headers = { Authorization: h.authorization, 'X-MS-Certificate-Url': h['x-ms-certificate-url'], 'X-MS-Signature-Algorithm': 'RSA-SHA256' };
    const { result } = await check({ headers, certificate: new X509Certificate(pem.leaf).raw });
    expect(result).toEqual({ ok: true });
  });

  it('refuses a body changed after signing', async () => {
    const changed = Buffer.from(body.toString('utf8').replace('referral-created', 'referral-updated'));
    expect(refusal((await check({ rawBody: changed })).result)).toBe('signature does not match the body');
  });

  it('refuses a signature made by another key', async () => {
    expect(refusal((await check({ headers: headersFor(pem.otherKey) })).result)).toBe('signature does not match the body');
  });

  it('refuses a certificate whose issuer claims O=Microsoft Corporation but is not a trusted CA', async () => {
    const asMicrosoft = { issuerOrganization: 'Microsoft Corporation' };
    const rogue = await check({ headers: headersFor(pem.rogueLeafKey), certificate: pem.rogueLeaf, trust: asMicrosoft });
    expect(refusal(rogue.result)).toBe('certificate is not issued by a trusted CA');
    const selfSigned = await check({ headers: headersFor(pem.selfSignedKey), certificate: pem.selfSigned, trust: asMicrosoft });
    expect(refusal(selfSigned.result)).toBe('certificate is not issued by a trusted CA');
  });

  it('accepts a self-signed certificate only when it is itself a trusted CA', async () => {
    const { result } = await check({
      headers: headersFor(pem.selfSignedKey),
      certificate: pem.selfSigned,
      trust: { issuerOrganization: 'Microsoft Corporation', caPem: [pem.ca, pem.selfSigned] },
    });
    expect(result).toEqual({ ok: true });
  });

  it('refuses a trusted chain whose issuer is not the required organization', async () => {
    const { result } = await check({ trust: { issuerOrganization: 'Microsoft Corporation' } });
    expect(refusal(result)).toBe('certificate issuer is not O=Microsoft Corporation');
    // A prefix of the organization is not the organization.
    expect(refusal((await check({ trust: { issuerOrganization: 'Test Corp' } })).result)).toBe('certificate issuer is not O=Test Corp');
  });

  it('refuses a certificate URL on another host without fetching it', async () => {
    for (const url of [
      'https://attacker.example/cert.cer',
      'https://3psostorageacct.blob.core.windows.net.attacker.example/cert.cer',
      'https://evil@attacker.example/3psostorageacct.blob.core.windows.net/cert.cer',
      'https://3psostorageacct.blob.core.windows.net:8443/cert.cer',
      'https://169.254.169.254/metadata',
    ]) {
      const { result, fetchCertificate } = await check({ headers: headersFor(pem.leafKey, { 'x-ms-certificate-url': url }) });
      expect(result.ok, url).toBe(false);
      expect(fetchCertificate, url).not.toHaveBeenCalled();
    }
  });

  it('matches *.suffix hosts on whole labels only', async () => {
    const wildcard = { certificateHosts: ['*.blob.core.windows.net'] };
    expect((await check({ trust: wildcard })).result).toEqual({ ok: true });
    const lookalike = await check({ trust: wildcard, headers: headersFor(pem.leafKey, { 'x-ms-certificate-url': 'https://evilblob.core.windows.net/c.cer' }) });
    expect(refusal(lookalike.result)).toBe('certificate host evilblob.core.windows.net is not allowed');
    expect(lookalike.fetchCertificate).not.toHaveBeenCalled();
  });

  it('refuses an http:// certificate URL without fetching it', async () => {
    const { result, fetchCertificate } = await check({ headers: headersFor(pem.leafKey, { 'x-ms-certificate-url': CERT_URL.replace('https:', 'http:') }) });
    expect(refusal(result)).toBe('x-ms-certificate-url must be https');
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('refuses a certificate outside its validity period', async () => {
    expect(refusal((await check({ now: new Date('2035-06-01T00:00:00Z') })).result)).toBe('certificate is expired or not yet valid');
    clearCertificateCache();
    expect(refusal((await check({ now: new Date('2024-06-01T00:00:00Z') })).result)).toBe('certificate is expired or not yet valid');
  });

  it('refuses an unsupported algorithm without fetching', async () => {
    for (const algorithm of ['rsa-sha1', 'hmac-sha256', 'ecdsa-sha256', 'none']) {
      const { result, fetchCertificate } = await check({ headers: headersFor(pem.leafKey, { 'x-ms-signature-algorithm': algorithm }) });
      expect(refusal(result)).toBe(`unsupported signature algorithm ${algorithm}`);
      expect(fetchCertificate).not.toHaveBeenCalled();
    }
  });

  it('refuses missing or garbled headers', async () => {
    const cases: Record<string, Record<string, string | undefined>> = {
      'no Authorization': { authorization: undefined },
      'a Bearer token': { authorization: 'Bearer abc.def.ghi' },
      'an empty Signature': { authorization: 'Signature ' },
      'a signature that is not base64': { authorization: 'Signature not*base64!' },
      'base64 of the wrong length': { authorization: 'Signature abcde' },
      'no certificate URL': { 'x-ms-certificate-url': undefined },
      'a certificate URL that is not a URL': { 'x-ms-certificate-url': 'not a url' },
      'no algorithm': { 'x-ms-signature-algorithm': undefined },
      'a garbled x-ms-signature next to a good Authorization': { 'x-ms-signature': '%%%' },
    };
    for (const [name, overrides] of Object.entries(cases)) {
      const { result, fetchCertificate } = await check({ headers: headersFor(pem.leafKey, overrides) });
      expect(result.ok, name).toBe(false);
      expect(fetchCertificate, name).not.toHaveBeenCalled();
    }
  });

  it('refuses when the certificate cannot be downloaded or read, and does not cache the failure', async () => {
    const failing = vi.fn(async () => {
      throw new Error('404');
    });
    const args = { rawBody: body, headers: headersFor(), trust, now: NOW };
    expect(refusal(await verifyPartnerCenterSignature({ ...args, fetchCertificate: failing }))).toBe('certificate could not be downloaded or read');
    const garbage = vi.fn(async () => Buffer.from('not a certificate'));
    expect(refusal(await verifyPartnerCenterSignature({ ...args, fetchCertificate: garbage }))).toBe('certificate could not be downloaded or read');
    expect((await check()).result).toEqual({ ok: true });
  });

  it('fetches the certificate once for a burst of events, and again after an hour', async () => {
    const fetchCertificate = serving();
    const verifyAt = (now: Date) => verifyPartnerCenterSignature({ rawBody: body, headers: headersFor(), fetchCertificate, trust, now });
    const [first, second] = await Promise.all([verifyAt(NOW), verifyAt(NOW)]);
    const third = await verifyAt(new Date(NOW.getTime() + 59 * 60 * 1000));
    expect([first, second, third]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
    await verifyAt(new Date(NOW.getTime() + 61 * 60 * 1000));
    expect(fetchCertificate).toHaveBeenCalledTimes(2);
  });

  it('still checks a cached certificate against the trust and the clock', async () => {
    expect((await check()).result).toEqual({ ok: true });
    const { result, fetchCertificate } = await check({ trust: { caPem: [] } });
    expect(fetchCertificate).not.toHaveBeenCalled();
    expect(refusal(result)).toBe('certificate is not issued by a trusted CA');
  });
});

describe('PartnerCenterEvent and referralIdOf', () => {
  it('parses the documented body and takes the referral id from ResourceUri', () => {
    const event = PartnerCenterEvent.parse(JSON.parse(body.toString('utf8')));
    expect(event.EventName).toBe('referral-created');
    expect(referralIdOf(event)).toBe(REFERRAL_ID);
  });

  it('refuses other events and a date that is not ISO', () => {
    const base = JSON.parse(body.toString('utf8'));
    expect(PartnerCenterEvent.safeParse({ ...base, EventName: 'test-created' }).success).toBe(false);
    expect(PartnerCenterEvent.safeParse({ ...base, ResourceChangeUtcDate: 'yesterday' }).success).toBe(false);
    expect(PartnerCenterEvent.safeParse({ ...base, ResourceName: undefined }).success).toBe(true);
  });

  it('refuses a ResourceUri that is not a referral', () => {
    for (const ResourceUri of [
      'https://api.partnercenter.microsoft.com/webhooks/v1/registration/test',
      'https://api.partnercenter.microsoft.com/engagements/v1/referrals/',
      'https://api.partnercenter.microsoft.com/engagements/v1/referrals/{{ReferralID}}',
      `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${REFERRAL_ID}/notes`,
      'https://api.partnercenter.microsoft.com/engagements/v1/referrals/a%2F..%2Fadmin',
      'not a url',
    ]) {
      expect(() => referralIdOf({ ResourceUri }), ResourceUri).toThrow();
    }
  });
});
