// Secrets kept in the store (Partner Center token caches) are sealed with a key from configuration:
// AES-256-GCM, so a copied data directory reveals nothing and a tampered value does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SealedBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The sealing key must be 32 bytes (base64 of 32 random bytes).');
  }

  /** `owner` is bound in: a value sealed for one organization does not open as another's. */
  seal(text: string, owner: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The sealed text; throws when the value was sealed with another key or changed. */
  open(sealed: string, owner: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(owner, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
