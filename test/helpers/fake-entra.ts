// A fake Microsoft Entra ID for the device-code sign-in, reached through MSAL's network client:
// MSAL asks https://login.fake.test/..., and the requests land on this local server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INetworkModule, NetworkResponse } from '@azure/msal-node';

export const FAKE_AUTHORITY = 'https://login.fake.test/organizations';

export interface FakeEntra {
  network: INetworkModule;
  /** The access token it gives (the fake Partner Center's accepted one, say). */
  accessToken: string;
  /** When false, refreshing a token fails as with a revoked sign-in (invalid_grant). */
  refreshes: boolean;
  /** The tenant of the user who signs in. */
  tenantId: string;
  /** The requests it answered: path and grant type. */
  readonly requests: { path: string; grant: string }[];
  close(): Promise<void>;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

export async function startFakeEntra(accessToken: string): Promise<FakeEntra> {
  const oid = '00000000-0000-4000-8000-0000000000aa';
  const idToken = (tid: string) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: 'client', iss: `https://login.fake.test/${tid}/v2.0`, tid, oid, sub: oid, preferred_username: 'referrals@partner.example', name: 'Referrals User', iat: 1, exp: 9_999_999_999, ver: '2.0' })}.`;
  const host = 'https://login.fake.test/organizations';
  const meta = {
    token_endpoint: `${host}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${host}/oauth2/v2.0/devicecode`,
    authorization_endpoint: `${host}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${host}/oauth2/v2.0/logout`,
    issuer: 'https://login.fake.test/{tenantid}/v2.0',
    jwks_uri: `${host}/discovery/v2.0/keys`,
  };
  const fake: FakeEntra = {
    network: undefined as unknown as INetworkModule,
    accessToken,
    refreshes: true,
    tenantId: 'aaaaaaaa-0000-4000-8000-000000000001',
    requests: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const answer = (path: string, form: URLSearchParams): { status: number; body: object } => {
    const grant = form.get('grant_type') ?? '';
    fake.requests.push({ path, grant });
    if (path.endsWith('/.well-known/openid-configuration')) return { status: 200, body: meta };
    if (path.endsWith('/devicecode')) return { status: 200, body: { device_code: 'device-1', user_code: 'FAKE-CODE', verification_uri: 'https://microsoft.com/devicelogin', expires_in: 900, interval: 1, message: 'Sign in' } };
    if (path.endsWith('/token')) {
      if (grant === 'refresh_token' && !fake.refreshes) return { status: 400, body: { error: 'invalid_grant', error_description: 'The refresh token was revoked.', suberror: 'bad_token' } };
      // The user signs in at once: the first poll gets the tokens.
      return { status: 200, body: { token_type: 'Bearer', scope: 'https://api.partnercenter.microsoft.com/user_impersonation', expires_in: 3600, access_token: fake.accessToken, refresh_token: 'refresh-1', id_token: idToken(fake.tenantId), client_info: b64({ uid: oid, utid: fake.tenantId }) } };
    }
    return { status: 404, body: { error: 'not_found' } };
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { status, body: out } = answer((req.url ?? '').split('?')[0]!, new URLSearchParams(body));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = async <T>(url: string, init: RequestInit): Promise<NetworkResponse<T>> => {
    const r = await fetch(url.replace('https://login.fake.test', local), init);
    return { headers: Object.fromEntries(r.headers), body: (await r.json()) as T, status: r.status };
  };
  fake.network = {
    sendGetRequestAsync: (url, options) => send(url, { headers: options?.headers }),
    sendPostRequestAsync: (url, options) => send(url, { method: 'POST', headers: options?.headers, body: options?.body }),
  };
  return fake;
}
