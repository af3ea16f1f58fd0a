// Links that open one stored file without the API key, until they expire: the token names the
// file, its download name and the expiry, and is signed (HMAC-SHA256) with the server's secret,
// kept in the data folder and made on first start. A changed byte or a passed expiry is refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FileLink {
  key: string;
  /** The name the browser saves it as. */
  filename: string;
  /** Unix seconds. */
  expires: number;
}

export class FileLinks {
  constructor(private readonly secret: Buffer) {}

  /** The secret of `<dataDir>/link-secret`, made (0600) when missing. */
  static inDataDir(dataDir: string): FileLinks {
    const file = join(dataDir, 'link-secret');
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    return new FileLinks(Buffer.from(readFileSync(file, 'utf8'), 'base64'));
  }

  sign(link: FileLink): string {
    const payload = Buffer.from(JSON.stringify([link.key, link.filename, link.expires])).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The link a token names, or null when it is forged, damaged or expired. */
  verify(token: string, now = Date.now()): FileLink | null {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const [key, filename, expires] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, number];
    return expires * 1000 > now ? { key, filename, expires } : null;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
