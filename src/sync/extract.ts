// Safe extraction of a `<Name>.vst3.zip` into a fresh folder: every entry is checked before
// anything is written (paths, types, counts, sizes, compression ratios), sizes are enforced
// again while inflating (headers can lie), symlinks are made last and may only point down into
// the bundle, and the result must hold `<Name>.vst3/Contents/x86_64-linux/<Name>.so`.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, lstat, open, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import unzipper from 'unzipper';
import { MixchainError } from '../errors.js';

export interface ExtractLimits {
  /** Total uncompressed bytes. Default 2 GiB. */
  maxTotalBytes: number;
  /** Entries in one archive. Default 20,000. */
  maxEntries: number;
  /** Uncompressed / compressed size of an entry above 1 MiB. Default 200. */
  maxRatio: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxTotalBytes: 2 * 2 ** 30, maxEntries: 20_000, maxRatio: 200 };

const RATIO_FLOOR_BYTES = 2 ** 20;
const CHUNK_BYTES = 2 ** 20;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export const ARCH_FOLDER = 'x86_64-linux';

const rejected = (archive: string, reason: string) => new MixchainError('ERR_SYNC_ARCHIVE_REJECTED', `${archive} was rejected: ${reason}; nothing of it was installed`);

type Entry = unzipper.File;

/** The Unix file type of an entry (0 when the archive made on another system does not say). */
const unixType = (entry: Entry) => ((entry.externalFileAttributes >>> 16) & S_IFMT) >>> 0;
const unixMode = (entry: Entry) => (entry.externalFileAttributes >>> 16) & 0o777;

/** Why a name may not be written, or null. */
function unsafeName(name: string): string | null {
  if (name.includes('\0')) return 'a NUL byte';
  if (name.includes('\\')) return 'a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute path';
  if (name.split('/').some((part) => part === '..')) return "a '..' component";
  return null;
}

/**
 * Extracts `zipPath`, which must hold the bundle `<name>.vst3/` and nothing else, into
 * `targetDir` (which must be empty or absent). Throws `ERR_SYNC_ARCHIVE_REJECTED` with the reason
 * before writing anything for a bad entry, and `ERR_SYNC_ARCHIVE_INVALID` for a damaged archive.
 */
export async function extractBundle(zipPath: string, name: string, targetDir: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<void> {
  const archive = `${name}.vst3.zip`;
  let directory: unzipper.CentralDirectory;
  try {
    directory = await unzipper.Open.file(zipPath);
  } catch (error) {
    throw new MixchainError('ERR_SYNC_ARCHIVE_INVALID', `${archive} is not a readable zip archive (${error instanceof Error ? error.message : String(error)})`);
  }
  const root = `${name}.vst3/`;
  const entries = directory.files;
  if (entries.length > limits.maxEntries) throw rejected(archive, `${entries.length} entries, more than the limit of ${limits.maxEntries}`);
  let declared = 0;
  for (const entry of entries) {
    const why = unsafeName(entry.path);
    if (why) throw rejected(archive, `entry '${entry.path}' has ${why}`);
    if (!entry.path.startsWith(root) && entry.path !== root.slice(0, -1)) {
      throw rejected(archive, `entry '${entry.path}' is outside the folder ${root} the archive must hold`);
    }
    const type = unixType(entry);
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK) {
      throw rejected(archive, `entry '${entry.path}' is a device, pipe or socket (mode ${type.toString(8)})`);
    }
    declared += entry.uncompressedSize;
    if (declared > limits.maxTotalBytes) throw rejected(archive, `it unpacks to more than the limit of ${limits.maxTotalBytes} bytes`);
    if (entry.uncompressedSize > RATIO_FLOOR_BYTES && entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize)) {
      throw rejected(archive, `entry '${entry.path}' expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}× (limit ${limits.maxRatio}×): a zip bomb`);
    }
  }

  await mkdir(targetDir, { recursive: true });
  const links: Array<{ path: string; target: string }> = [];
  for (const entry of entries) {
    const path = join(targetDir, entry.path);
    const type = unixType(entry);
    if (type === S_IFDIR || (type === 0 && entry.path.endsWith('/'))) {
      await mkdir(path, { recursive: true });
      continue;
    }
    if (type === S_IFLNK) {
      const chunks: Buffer[] = [];
      await pipeline(await entryData(zipPath, entry, archive), checked(entry, archive), async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) chunks.push(chunk);
      });
      const target = Buffer.concat(chunks).toString('utf8');
      const why = unsafeName(target);
      if (why || target.length === 0) throw rejected(archive, `symlink '${entry.path}' points to '${target}', outside the bundle`);
      links.push({ path, target });
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    // The executable bits as archived; a plugin binary is always made executable.
    const executable = (unixMode(entry) & 0o111) !== 0 || entry.path.endsWith('.so');
    await pipeline(await entryData(zipPath, entry, archive), checked(entry, archive), createWriteStream(path, { flags: 'wx', mode: executable ? 0o755 : 0o644 }));
  }
  // Last, so no file is ever written through a link.
  for (const link of links) await symlink(link.target, link.path);

  const binary = join(targetDir, root, 'Contents', ARCH_FOLDER, `${name}.so`);
  const found = await lstat(binary).catch(() => null);
  if (!found?.isFile()) throw rejected(archive, `it holds no ${root}Contents/${ARCH_FOLDER}/${name}.so`);
}

const damaged = (archive: string, entry: Entry, what: string) => new MixchainError('ERR_SYNC_ARCHIVE_INVALID', `${archive}: entry '${entry.path}' ${what} (damaged archive)`);

/**
 * The entry's uncompressed bytes, read straight from the file and inflated by zlib (unzipper
 * reads the central directory; its own streams are several times slower).
 */
async function entryData(zipPath: string, entry: Entry, archive: string): Promise<Readable> {
  const file = await open(zipPath, 'r');
  const header = Buffer.alloc(30);
  try {
    await file.read(header, 0, 30, entry.offsetToLocalFileHeader);
  } finally {
    await file.close();
  }
  if (header.readUInt32LE(0) !== 0x04034b50) throw damaged(archive, entry, 'has no local header where the directory says');
  if (entry.compressedSize === 0) return new PassThrough().end();
  const start = entry.offsetToLocalFileHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  // Large chunks: with the 16–64 KiB defaults, per-chunk overhead costs more than inflating.
  const raw = createReadStream(zipPath, { start, end: start + entry.compressedSize - 1, highWaterMark: CHUNK_BYTES });
  if (entry.compressionMethod === 0) return raw;
  if (entry.compressionMethod === 8) return raw.pipe(createInflateRaw({ chunkSize: CHUNK_BYTES })).on('error', () => raw.destroy());
  throw rejected(archive, `entry '${entry.path}' uses compression method ${entry.compressionMethod} (only stored and deflated entries are accepted)`);
}

/** Passes at most the entry's declared size through, failing past it, and checks its CRC-32. */
function checked(entry: Entry, archive: string): Transform {
  let seen = 0;
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      crc = crc32(chunk, crc);
      if (seen > entry.uncompressedSize) done(rejected(archive, `entry '${entry.path}' inflates past its declared size of ${entry.uncompressedSize} bytes`));
      else done(null, chunk);
    },
    flush(done) {
      if (seen !== entry.uncompressedSize) done(damaged(archive, entry, `holds ${seen} bytes, not the ${entry.uncompressedSize} it declares`));
      else if (crc >>> 0 !== entry.crc32 >>> 0) done(damaged(archive, entry, 'fails its CRC-32 check'));
      else done();
    },
  });
}
