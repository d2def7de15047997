/**
 * A glyph-id-preserving TrueType subsetter for PDF embedding (ISO 32000-1 §9.9, FontFile2).
 *
 * Keeps every glyph id (so CID = GID and /CIDToGIDMap /Identity holds), empties the outlines of
 * unused glyphs, and keeps only the tables a PDF consumer needs for a CIDFontType2 (§9.9 Table
 * 126: head, hhea, loca, maxp, glyf, hmtx, cvt , fpgm, prep). Unused glyphs get zero metrics so
 * the tables compress to almost nothing. Synchronous and about a millisecond for a stamp, which
 * matters when a batch signs hundreds of documents with visible stamps.
 *
 * Table formats: OpenType spec "glyf", "loca", "head", "hhea", "hmtx", "maxp".
 */

interface TableRecord {
  offset: number;
  length: number;
}

export class TrueTypeFile {
  readonly tables = new Map<string, TableRecord>();
  readonly numGlyphs: number;
  private readonly longLoca: boolean;

  constructor(readonly bytes: Buffer) {
    if (bytes.length < 12) throw new TypeError('TrueType: file too short');
    const version = bytes.readUInt32BE(0);
    if (version !== 0x00010000 && version !== 0x74727565) throw new TypeError('TrueType: not a TrueType (glyf) font');
    const n = bytes.readUInt16BE(4);
    for (let i = 0; i < n; i++) {
      const r = 12 + i * 16;
      const tag = bytes.toString('latin1', r, r + 4);
      const offset = bytes.readUInt32BE(r + 8);
      const length = bytes.readUInt32BE(r + 12);
      if (offset + length > bytes.length) throw new TypeError(`TrueType: table ${tag} out of bounds`);
      this.tables.set(tag, { offset, length });
    }
    for (const t of ['head', 'hhea', 'hmtx', 'maxp', 'loca', 'glyf']) {
      if (!this.tables.has(t)) throw new TypeError(`TrueType: missing ${t} table`);
    }
    this.numGlyphs = this.bytes.readUInt16BE(this.table('maxp').offset + 4);
    this.longLoca = this.bytes.readInt16BE(this.table('head').offset + 50) === 1;
  }

  private table(tag: string): TableRecord {
    const t = this.tables.get(tag);
    if (!t) throw new TypeError(`TrueType: missing ${tag} table`);
    return t;
  }

  tableBytes(tag: string): Buffer | undefined {
    const t = this.tables.get(tag);
    return t ? this.bytes.subarray(t.offset, t.offset + t.length) : undefined;
  }

  /** Byte range of a glyph's outline inside the file ([start, end), empty for blank glyphs). */
  glyphRange(gid: number): [number, number] {
    const loca = this.table('loca').offset;
    const glyf = this.table('glyf').offset;
    const at = (i: number) => (this.longLoca ? this.bytes.readUInt32BE(loca + i * 4) : this.bytes.readUInt16BE(loca + i * 2) * 2);
    return [glyf + at(gid), glyf + at(gid + 1)];
  }

  /** The gids a composite glyph uses (glyf "Composite glyph description"). */
  components(gid: number): number[] {
    const [start, end] = this.glyphRange(gid);
    if (end - start < 10 || this.bytes.readInt16BE(start) >= 0) return [];
    const out: number[] = [];
    let p = start + 10;
    for (;;) {
      const flags = this.bytes.readUInt16BE(p);
      out.push(this.bytes.readUInt16BE(p + 2));
      p += 4 + (flags & 0x0001 ? 4 : 2);
      if (flags & 0x0008) p += 2;
      else if (flags & 0x0040) p += 4;
      else if (flags & 0x0080) p += 8;
      if (!(flags & 0x0020) || p >= end) break;
    }
    return out;
  }

  /** A TrueType file with every gid kept but only `used` (plus .notdef and components) drawn. */
  subset(used: Iterable<number>): Buffer {
    const keep = new Set<number>([0]);
    const stack = [...used];
    while (stack.length) {
      const g = stack.pop()!;
      if (g < 0 || g >= this.numGlyphs || keep.has(g)) continue;
      keep.add(g);
      stack.push(...this.components(g));
    }

    const n = this.numGlyphs;
    const loca = Buffer.alloc((n + 1) * 4);
    const pieces: Buffer[] = [];
    let offset = 0;
    for (let g = 0; g < n; g++) {
      loca.writeUInt32BE(offset, g * 4);
      if (!keep.has(g)) continue;
      const [s, e] = this.glyphRange(g);
      if (e <= s) continue;
      const data = this.bytes.subarray(s, e);
      const padded = data.length % 4 === 0 ? data : Buffer.concat([data, Buffer.alloc(4 - (data.length % 4))]);
      pieces.push(padded);
      offset += padded.length;
    }
    loca.writeUInt32BE(offset, n * 4);
    const glyf = Buffer.concat(pieces);

    // hmtx with one long metric per glyph; unused ones zeroed.
    const hhea = Buffer.from(this.tableBytes('hhea')!);
    const oldMetrics = hhea.readUInt16BE(34);
    const src = this.tableBytes('hmtx')!;
    const hmtx = Buffer.alloc(n * 4);
    for (let g = 0; g < n; g++) {
      if (!keep.has(g)) continue;
      const adv = src.readUInt16BE(Math.min(g, oldMetrics - 1) * 4);
      const lsb = g < oldMetrics ? src.readInt16BE(g * 4 + 2) : src.readInt16BE(oldMetrics * 4 + (g - oldMetrics) * 2);
      hmtx.writeUInt16BE(adv, g * 4);
      hmtx.writeInt16BE(lsb, g * 4 + 2);
    }
    hhea.writeUInt16BE(n, 34);

    const head = Buffer.from(this.tableBytes('head')!);
    head.writeUInt32BE(0, 8); // checkSumAdjustment, set below
    head.writeInt16BE(1, 50); // long loca

    const tables: [string, Buffer][] = [
      ['head', head],
      ['hhea', hhea],
      ['maxp', Buffer.from(this.tableBytes('maxp')!)],
      ['hmtx', hmtx],
      ['loca', loca],
      ['glyf', glyf],
    ];
    for (const t of ['cvt ', 'fpgm', 'prep']) {
      const b = this.tableBytes(t);
      if (b) tables.push([t, b]);
    }
    const file = writeSfnt(tables);
    // head.checkSumAdjustment makes the whole file sum to 0xB1B0AFBA.
    file.writeUInt32BE((0xb1b0afba - checksum(file)) >>> 0, tableOffset(file, 'head')! + 8);
    return file;
  }
}

function checksum(b: Buffer): number {
  let sum = 0;
  const full = b.length - (b.length % 4);
  for (let i = 0; i < full; i += 4) sum = (sum + b.readUInt32BE(i)) >>> 0;
  if (full < b.length) {
    const tail = Buffer.alloc(4);
    b.copy(tail, 0, full);
    sum = (sum + tail.readUInt32BE(0)) >>> 0;
  }
  return sum;
}

function tableOffset(file: Buffer, tag: string): number | undefined {
  const n = file.readUInt16BE(4);
  for (let i = 0; i < n; i++) {
    const r = 12 + i * 16;
    if (file.toString('latin1', r, r + 4) === tag) return file.readUInt32BE(r + 8);
  }
  return undefined;
}

/** OpenType "Organization of an OpenType Font": offset table, sorted records, 4-byte aligned tables. */
function writeSfnt(tables: [string, Buffer][]): Buffer {
  tables.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const n = tables.length;
  let pow = 1;
  let log = 0;
  while (pow * 2 <= n) {
    pow *= 2;
    log++;
  }
  const header = Buffer.alloc(12 + n * 16);
  header.writeUInt32BE(0x00010000, 0);
  header.writeUInt16BE(n, 4);
  header.writeUInt16BE(pow * 16, 6);
  header.writeUInt16BE(log, 8);
  header.writeUInt16BE(n * 16 - pow * 16, 10);
  const body: Buffer[] = [];
  let offset = header.length;
  tables.forEach(([tag, data], i) => {
    const r = 12 + i * 16;
    header.write(tag, r, 4, 'latin1');
    header.writeUInt32BE(checksum(data), r + 4);
    header.writeUInt32BE(offset, r + 8);
    header.writeUInt32BE(data.length, r + 12);
    const pad = (4 - (data.length % 4)) % 4;
    body.push(data, Buffer.alloc(pad));
    offset += data.length + pad;
  });
  return Buffer.concat([header, ...body]);
}
