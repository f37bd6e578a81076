/**
 * Keeps the raw bytes of each tar entry's PAX records. The tar parser decodes PAX
 * values as UTF-8 text, which loses binary xattr values such as
 * `SCHILY.xattr.security.capability`; this walker watches the same bytes go by
 * (before the parser sees them) and records, per entry index, the values as
 * buffers. It follows the parser's framing: a directory has no body, every other
 * entry has `size` bytes (the PAX `size` record overriding the header's).
 */
const BLOCK = 512;
const MAX_PAX_BYTES = 4 * 1024 * 1024;

const TYPE_PAX = 0x78; // 'x'
const TYPE_PAX_GLOBAL = 0x67; // 'g'
const TYPE_DIRECTORY = 0x35; // '5'
const TYPE_GNU_LONG_NAME = 0x4c; // 'L'
const TYPE_GNU_LONG_LINK = 0x4b; // 'K'

const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

const fieldText = (block: Buffer, start: number, length: number) => {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
};

/** A directory has no body: typeflag 5, or an old-style regular entry whose name ends in `/`. */
function isDirectoryHeader(block: Buffer): boolean {
  const type = block[156] ?? 0;
  if (type === TYPE_DIRECTORY) return true;
  if (type !== 0 && type !== 0x30) return false;
  const ustar = block.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = ustar && block[345] ? `${fieldText(block, 345, 155)}/` : '';
  return `${prefix}${fieldText(block, 0, 100)}`.endsWith('/');
}

function headerSize(block: Buffer): number {
  const field = block.subarray(124, 136);
  if ((field[0] ?? 0) & 0x80) {
    let value = 0;
    for (const [i, byte] of field.entries()) value = value * 256 + (i === 0 ? byte & 0x7f : byte);
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** Parses `<length> <key>=<value>\n` records, keeping values as bytes. */
export function parsePaxRecords(body: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(body.subarray(offset, space).toString('latin1'), 10);
    if (!(length > 0) || offset + length > body.length) break;
    const record = body.subarray(space + 1, offset + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals > 0)
      records.set(
        record.subarray(0, equals).toString('utf8'),
        Buffer.from(record.subarray(equals + 1)),
      );
    offset += length;
  }
  return records;
}

export class PaxRecorder {
  /** Raw PAX records of entry n (n counts the entries the parser emits). */
  readonly records = new Map<number, Map<string, Buffer>>();
  private entries = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes still wanted for the block or PAX body being collected. */
  private want = BLOCK;
  private collecting: 'header' | 'pax' | 'global' = 'header';
  private skip = 0;
  private local: Map<string, Buffer> | undefined;
  private global = new Map<string, Buffer>();
  /** Set when the framing is not one this walker follows; records stop there. */
  private lost = false;

  observe(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && !this.lost) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      const n = Math.min(this.want - this.pendingBytes, chunk.length - offset);
      this.pending.push(Buffer.from(chunk.subarray(offset, offset + n)));
      this.pendingBytes += n;
      offset += n;
      if (this.pendingBytes === this.want) this.complete(Buffer.concat(this.pending));
    }
  }

  private collect(what: 'header' | 'pax' | 'global', bytes: number) {
    this.collecting = what;
    this.want = bytes;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private complete(bytes: Buffer): void {
    if (this.collecting !== 'header') {
      const records = parsePaxRecords(bytes);
      if (this.collecting === 'global') this.global = new Map([...this.global, ...records]);
      else this.local = records;
      this.skip = padded(bytes.length) - bytes.length;
      this.collect('header', BLOCK);
      return;
    }
    this.collect('header', BLOCK);
    if (bytes.every((byte) => byte === 0)) return;
    const type = bytes[156] ?? 0;
    const size = headerSize(bytes);
    if (!Number.isSafeInteger(size) || size < 0) {
      this.lost = true;
      return;
    }
    if (type === TYPE_PAX || type === TYPE_PAX_GLOBAL) {
      if (size > MAX_PAX_BYTES) {
        this.lost = true;
        return;
      }
      if (size > 0) this.collect(type === TYPE_PAX ? 'pax' : 'global', size);
      return;
    }
    if (type === TYPE_GNU_LONG_NAME || type === TYPE_GNU_LONG_LINK) {
      this.skip = padded(size);
      return;
    }
    // Like the parser, global records only reach entries that have local ones.
    const records = this.local && new Map([...this.global, ...this.local]);
    this.local = undefined;
    if (records) this.records.set(this.entries, records);
    this.entries++;
    const paxSize = records?.get('size');
    const bodySize = paxSize === undefined ? size : Number.parseInt(paxSize.toString('latin1'), 10);
    if (!isDirectoryHeader(bytes)) this.skip = padded(bodySize);
  }
}
