// A multipart/form-data body built by hand as a stream: the fields, then one file read from disk
// as it is sent (never whole in memory), with its length known in advance so the request carries
// a content-length (receivers and proxies that refuse chunked uploads take it).
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

export interface MultipartFile {
  field: string;
  path: string;
  filename: string;
  contentType: string;
}

export interface MultipartForm {
  /** `multipart/form-data; boundary=…` */
  contentType: string;
  /** The body's length in bytes. */
  length: number;
  /** Destroy it if it is not sent: it holds the file open until it closes. */
  body: Readable;
}

// As browsers escape names and filenames in form-data headers (WHATWG): a quote or a line break
// would end the header.
const quoted = (text: string) => text.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A');

export async function multipartForm(fields: Record<string, string>, file: MultipartFile): Promise<MultipartForm> {
  const handle = await open(file.path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  const boundary = `mixchain-${randomBytes(16).toString('hex')}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`)
      .join('') +
      `--${boundary}\r\ncontent-disposition: form-data; name="${quoted(file.field)}"; filename="${quoted(file.filename)}"\r\n` +
      `content-type: ${file.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    // Exactly the bytes counted in the length, even if the file grew since.
    if (size > 0) yield* handle.createReadStream({ start: 0, end: size - 1, autoClose: false });
    yield tail;
  }
  const body = Readable.from(parts(), { objectMode: false });
  body.once('close', () => void handle.close().catch(() => undefined));
  return { contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + size + tail.length, body };
}
