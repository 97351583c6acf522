// Settings shared by `npm run dev` and `npm run referral:demo` on a laptop: the playground's
// tenant, and a webhook secret that is only ever used when none is configured locally.
export const PLAYGROUND_TENANT_ID = '00000000-0000-0000-0000-0000000000001';
export const LOCAL_WEBHOOK_SECRET = 'local-demo-only-webhook-secret';
