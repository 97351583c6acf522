// Partner Center webhook events: the body schema, the referral id, and the signature check.
//
// What this relies on (Partner Center webhooks, "Receiving events" and "How to authenticate the callback",
// https://learn.microsoft.com/partner-center/developer/partner-center-webhooks, source in MicrosoftDocs'
// partner-center-sdk develop/partner-center-webhooks.md):
// - the documented request carries `Authorization: Signature <base64>` ("a scheme of Signature… a base64
//   encoded signature of the content"), `X-MS-Certificate-Url: https://3psostorageacct.blob.core.windows.net/cert/…cer`
//   and `X-MS-Signature-Algorithm: rsa-sha256`;
// - "if you set SignatureTokenToMsSignatureHeader to true in your registration, the signature token will be
//   sent in the x-ms-signature header instead" — our registration sets it (spec, Webhooks), so both are read;
// - steps: required headers present, download the certificate, verify its chain, verify its organization
//   (Microsoft's sample: `certificate.Verify() && Issuer.Contains("O=Microsoft Corporation")`), then RSA-verify
//   the body bytes with the named hash (the sample's RSACryptoServiceProvider.VerifyData: PKCS#1 v1.5).
import { X509Certificate, verify } from 'node:crypto';
import { z } from 'zod';

export const PartnerCenterEvent = z.object({
  EventName: z.enum(['referral-created', 'referral-updated']),
  ResourceUri: z.url(),
  ResourceName: z.string().optional(),
  AuditUri: z.string().nullable().optional(),
  ResourceChangeUtcDate: z.iso.datetime({ offset: true }),
});
export type PartnerCenterEvent = z.infer<typeof PartnerCenterEvent>;

/** The host of the certificate URL in Microsoft's documented sample; confirm it against live traffic before relying on it. */
export const DOCUMENTED_CERTIFICATE_HOSTS = ['3psostorageacct.blob.core.windows.net'];

/**
 * The referral id, the last segment of `…/engagements/v1/referrals/{id}`. The event carries only an id, so the
 * caller GETs the referral from its own configured Partner Center base URL — never from ResourceUri, which is
 * why only the id is taken, and why it is held to characters that cannot reshape a URL path.
 */
export function referralIdOf(event: Pick<PartnerCenterEvent, 'ResourceUri'>): string {
  const path = URL.canParse(event.ResourceUri) ? new URL(event.ResourceUri).pathname : '';
  const id = /\/engagements\/v1\/referrals\/([A-Za-z0-9-]{1,100})$/.exec(path)?.[1];
  if (!id) throw new Error('ResourceUri is not a Partner Center referral');
  return id;
}

export interface PartnerCenterTrust {
  /** The CAs that may issue the signing certificate directly (the issuing CA, not only the root). */
  caPem: string[];
  /** Required as `O=<value>` in the certificate's issuer, e.g. "Microsoft Corporation". */
  issuerOrganization: string;
  /** Hosts the certificate may be downloaded from: exact names or `*.suffix`. */
  certificateHosts: string[];
}
export type VerifyResult = { ok: true } | { ok: false; reason: string };

// Only the documented algorithm: anything else (rsa-sha1, an EC name) is refused rather than guessed at.
const ALGORITHMS: Record<string, string> = { 'rsa-sha256': 'sha256' };
// Buffer.from(…, 'base64') skips junk silently, so the token's shape is checked first.
const isBase64 = (s: string) => s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s);
const CACHE_MS = 60 * 60 * 1000;
const CACHE_MAX = 16; // URLs on an allowed host are still attacker-chosen: bound what they can make us keep.

// Promises, so concurrent events for one URL share a single download; failures are dropped, not cached.
const certificates = new Map<string, { at: number; cert: Promise<X509Certificate> }>();
export function clearCertificateCache(): void {
  certificates.clear();
}

const fail = (reason: string): VerifyResult => ({ ok: false, reason });

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name && value !== undefined) return value.trim();
  return undefined;
}

function signatureOf(headers: Record<string, string | undefined>): Buffer | undefined {
  const moved = header(headers, 'x-ms-signature');
  // The moved token's exact form is not documented: accept it bare or with the same "Signature " scheme.
  const token = moved !== undefined ? moved.replace(/^Signature\s+/i, '') : /^Signature\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
  return token && isBase64(token) ? Buffer.from(token, 'base64') : undefined;
}

function hostAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('*.') ? host.endsWith(e.slice(1)) && host.length > e.length - 1 : host === e;
  });
}

const validAt = (cert: X509Certificate, now: Date) => Date.parse(cert.validFrom) <= now.getTime() && now.getTime() <= Date.parse(cert.validTo);

function certificateAt(url: string, fetchCertificate: (url: string) => Promise<Buffer>, now: Date): Promise<X509Certificate> {
  const t = now.getTime();
  const hit = certificates.get(url);
  if (hit && t >= hit.at && t - hit.at < CACHE_MS) return hit.cert;
  for (const [key, entry] of certificates) if (t < entry.at || t - entry.at >= CACHE_MS) certificates.delete(key);
  if (certificates.size >= CACHE_MAX) certificates.delete(certificates.keys().next().value!);
  const cert = fetchCertificate(url).then((bytes) => new X509Certificate(bytes));
  const entry = { at: t, cert };
  certificates.set(url, entry);
  cert.catch(() => certificates.get(url) === entry && certificates.delete(url));
  return cert;
}

/** Why the certificate may not sign Partner Center events, or undefined when it may. */
function trustProblem(cert: X509Certificate, trust: PartnerCenterTrust, now: Date): string | undefined {
  if (!validAt(cert, now)) return 'certificate is expired or not yet valid';
  // Whole RDN lines of node's issuer string, so "O=Microsoft Corporation Evil" or a CN containing it does not pass.
  if (!cert.issuer.split('\n').includes(`O=${trust.issuerOrganization}`)) return `certificate issuer is not O=${trust.issuerOrganization}`;
  const anchored = trust.caPem.some((pem) => {
    const ca = new X509Certificate(pem);
    if (!validAt(ca, now)) return false;
    if (ca.fingerprint256 === cert.fingerprint256) return true; // the signer is itself a trusted CA
    return ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey); // names match and the CA's key signed it
  });
  if (!anchored) return 'certificate is not issued by a trusted CA';
  if (cert.publicKey.asymmetricKeyType !== 'rsa') return 'certificate key is not RSA';
  return undefined;
}

/** Checks a Partner Center webhook request as Partner Center documents it; any doubt is a refusal with a reason. */
export async function verifyPartnerCenterSignature(input: {
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
  fetchCertificate: (url: string) => Promise<Buffer /* PEM or DER */>;
  trust: PartnerCenterTrust;
  now: Date;
}): Promise<VerifyResult> {
  const { rawBody, headers, trust, now } = input;
  if (!Buffer.isBuffer(rawBody)) return fail('the raw request body is required');
  const signature = signatureOf(headers);
  if (!signature) return fail('missing or malformed signature (Authorization: Signature <base64>, or x-ms-signature)');
  const algorithmName = header(headers, 'x-ms-signature-algorithm');
  if (!algorithmName) return fail('missing x-ms-signature-algorithm');
  const hash = ALGORITHMS[algorithmName.toLowerCase()];
  if (!hash) return fail(`unsupported signature algorithm ${algorithmName}`);
  const certificateUrl = header(headers, 'x-ms-certificate-url');
  if (!certificateUrl) return fail('missing x-ms-certificate-url');

  // Checked before any download: otherwise the sender chooses what we fetch (SSRF) and which key we trust.
  if (!URL.canParse(certificateUrl)) return fail('x-ms-certificate-url is not a URL');
  const url = new URL(certificateUrl);
  if (url.protocol !== 'https:') return fail('x-ms-certificate-url must be https');
  if (url.username || url.password || url.port) return fail('x-ms-certificate-url must not carry credentials or a port');
  if (!hostAllowed(url.hostname, trust.certificateHosts)) return fail(`certificate host ${url.hostname} is not allowed`);

  let cert: X509Certificate;
  try {
    cert = await certificateAt(url.href, input.fetchCertificate, now);
  } catch {
    return fail('certificate could not be downloaded or read');
  }
  try {
    const problem = trustProblem(cert, trust, now);
    if (problem) return fail(problem);
    // crypto.verify recomputes and compares inside OpenSSL; no signature bytes are compared in JavaScript.
    return verify(hash, rawBody, cert.publicKey, signature) ? { ok: true } : fail('signature does not match the body');
  } catch {
    return fail('certificate or signature could not be checked');
  }
}
