// Posts a sample Partner Center referral, signed like the real webhook, to a running local bot,
// so that a new user sees an alert arrive. Usage: npm run referral:demo [-- --tenant <tenant id>]
import { randomUUID } from 'node:crypto';
import { signedHeaders } from '../bot/referral-intake.js';
import { LOCAL_WEBHOOK_SECRET, PLAYGROUND_TENANT_ID } from './local-demo.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const port = process.env.PORT ?? '3978';
const tenant = flag('tenant') ?? process.env.DEMO_TENANT_ID ?? PLAYGROUND_TENANT_ID;
const secret = process.env.REFERRALS_WEBHOOK_SECRET ?? LOCAL_WEBHOOK_SECRET;
const closing = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);

const referral = {
  id: `demo-${randomUUID()}`,
  name: 'Contoso supply chain modernization',
  status: 'New',
  substatus: 'Pending',
  qualification: 'SalesQualified',
  type: 'Shared',
  customerProfile: {
    name: 'Contoso Ltd',
    address: { addressLine1: 'One Contoso Way', city: 'Redmond', state: 'WA', postalCode: '98052', country: 'US' },
    team: [{ firstName: 'Sue', lastName: 'Smith', phoneNumber: '+1 425 555 0199', email: 'sue.smith@contoso.example' }],
    ids: [{ type: 'Duns', id: '080912345' }],
  },
  consent: { consentToShareInfoWithOthers: true, consentToContact: true },
  details: {
    notes: 'Customer wants Dynamics 365 for its supply chain and a few custom apps.',
    dealValue: 50000,
    currency: 'USD',
    closingDateTime: `${closing}T00:00:00Z`,
    assistanceRequestCode: 'WorkloadSpecificValueProposition',
  },
  team: [{ firstName: 'John', lastName: 'Doe', phoneNumber: '+1 425 555 0100', email: 'john.doe@microsoft.example' }],
  inviteContext: { notes: 'Hi, hoping you can help this customer. Thanks, John @ Microsoft', invitedBy: { organizationId: 'msft' } },
};

const body = JSON.stringify(referral);
const url = `http://127.0.0.1:${port}/api/tenants/${tenant}/referrals`;
try {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...signedHeaders(secret, tenant, body, new Date()) }, body });
  const answer = await res.text();
  if (res.status === 404) console.error(`No organization for tenant ${tenant} yet: say "help" to the bot first (in the playground), then run this again.`);
  else if (res.status === 503) console.error('The bot has no REFERRALS_WEBHOOK_SECRET: start it with one (npm run dev sets a local one).');
  else if (res.status === 401) console.error('The signature was refused: use the same REFERRALS_WEBHOOK_SECRET as the bot, and a clock within 5 minutes of its.');
  console.log(`${res.status} ${answer}`);
  process.exit(res.ok ? 0 : 1);
} catch (e) {
  console.error(`Could not reach the bot at ${url}: is it running (npm run dev or npm start)? ${(e as Error).message}`);
  process.exit(1);
}
