/**
 * Real bytes for the sandbox's DM media, made in code (no binary files): a small valid PNG per photo, drawn from a
 * hash of its resource id, and a few hundred kB per video or GIF that start as an MP4 file does (`ftyp`, then an
 * `mdat` box). The same resource id always gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `width` x `height` RGB PNG: a diagonal gradient between two colours drawn from `seed`. */
export function demoPng(seed: string, width = 96, height = 64): Buffer {
  const hash = createHash('sha256').update(seed).digest();
  const [r1, g1, b1, r2, g2, b2] = hash;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height - 2);
      row[1 + x * 3] = Math.round(r1! + (r2! - r1!) * t);
      row[2 + x * 3] = Math.round(g1! + (g2! - g1!) * t);
      row[3 + x * 3] = Math.round(b1! + (b2! - b1!) * t);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function box(type: string, data: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + data.length);
  return Buffer.concat([size, Buffer.from(type, 'ascii'), data]);
}

/** About `bytes` bytes that begin like an MP4 file: an `ftyp` box, then an `mdat` box of bytes drawn from `seed`. */
export function demoMp4(seed: string, bytes = 300_000): Buffer {
  const ftyp = box(
    'ftyp',
    Buffer.concat([Buffer.from('isom', 'ascii'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41', 'ascii')]),
  );
  const payload = Buffer.alloc(Math.max(0, bytes - ftyp.length - 8));
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < payload.length; offset += block.length) {
    block.copy(payload, offset);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat([ftyp, box('mdat', payload)]);
}
