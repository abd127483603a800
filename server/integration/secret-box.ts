/**
 * Secrets at rest: AES-256-GCM with the key from config.secretKey, a fresh 96-bit IV per value,
 * the record's identity as associated data (a ciphertext cannot be moved to another record), and
 * the key id stored beside it so a rotation can tell old records from new and previous keys can
 * still open them (SECRET_KEYS_PREVIOUS).
 */
import crypto from 'node:crypto';
import { InternalError } from '../../workflows/model/errors';

export interface Sealed {
  keyId: string;
  iv: string;
  tag: string;
  data: string;
}

export const keyIdOf = (key: Buffer): string => crypto.createHash('sha256').update('ordo-secret-key-id:').update(key).digest('hex').slice(0, 16);

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(
    private readonly current: Buffer,
    previous: readonly Buffer[] = [],
  ) {
    if (current.length !== 32) throw new InternalError('the secret key must be 32 bytes');
    this.currentKeyId = keyIdOf(current);
    this.keys.set(this.currentKeyId, current);
    for (const k of previous) this.keys.set(keyIdOf(k), k);
  }

  seal(plaintext: string, aad: string): Sealed {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.current, iv);
    cipher.setAAD(Buffer.from(aad));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.currentKeyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new InternalError(`no key with id ${sealed.keyId} is configured (was SECRET_KEY rotated without SECRET_KEYS_PREVIOUS?)`);
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new InternalError('a stored secret failed its integrity check (tampered, or sealed for another record)', { cause: err });
    }
  }

  isCurrent(sealed: Sealed): boolean {
    return sealed.keyId === this.currentKeyId;
  }
}

/** The mongoose sub-schema shape of a sealed value. */
export const sealedSchemaDefinition = {
  keyId: { type: String, required: true },
  iv: { type: String, required: true },
  tag: { type: String, required: true },
  data: { type: String, required: true },
} as const;
