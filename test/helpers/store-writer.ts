// Child process for the durability test: commits in a loop until killed, printing
// `ack <referralId> <version>` once each commit has resolved (stdout to a pipe is synchronous
// on Linux, so a printed ack is never lost to the kill). Usage: store-writer.ts <dataDir>
import { openLowdbStore } from '../../services/lowdb-store.js';
import type { Referral } from '../../services/model.js';
import { makeEngagement, makeReferral, nextVersion } from './records.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('Usage: store-writer.ts <dataDir>');
const writerOrgId = 'durability-org';

const store = await openLowdbStore(dataDir);
console.log('ready');

const open: Referral[] = (await store.list('referral', writerOrgId)).filter((r) => r.status !== 'Closed');
const ack = (r: Referral) => console.log(`ack ${r.id} ${r.version}`);
// Stop on our own if the test never kills us.
const deadline = Date.now() + 20_000;

for (let n = 0; Date.now() < deadline; n++) {
  const pick = Math.floor(Math.random() * open.length);
  const current = open[pick];
  if (n % 3 === 0 || !current) {
    // Two files: an active referral bucket and an engagement bucket.
    const referral = makeReferral({ orgId: writerOrgId });
    const engagement = makeEngagement({ id: referral.engagementId, createdByOrgId: writerOrgId, participants: [{ orgId: writerOrgId, referralId: referral.id }] });
    await store.commit([{ kind: 'referral', put: referral }, { kind: 'engagement', put: engagement }]);
    open.push(referral);
    ack(referral);
  } else if (n % 3 === 1) {
    // One file: a new version of an open referral.
    const updated = nextVersion(current, { name: `${current.name.split(' #')[0]} #${n}` });
    await store.commit([{ kind: 'referral', put: updated }]);
    open[pick] = updated;
    ack(updated);
  } else {
    // Two files: closing moves the referral from its active file to its archive file.
    const won = nextVersion(current, { substatus: 'Won' });
    await store.commit([{ kind: 'referral', put: won }]);
    open.splice(pick, 1);
    ack(won);
  }
}
await store.close();
