import sharp from 'sharp';
import { UnstrippableImageError, stripImageMetadata } from './image-metadata.js';

/** A value that only the GPS directory and the XMP location carry: found anywhere = not removed. */
const MARKER = 'WGS-84-MARKER';
const XMP = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
 exif:GPSLatitude="48,51.484N" exif:GPSLongitude="2,17.668E" photoshop:City="Paris ${MARKER}">
<exif:GPSMapDatum>${MARKER}</exif:GPSMapDatum>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`;

const base = () =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } })
    .withExif({
      IFD0: { Make: 'TestCam', Copyright: 'someone' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2904/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4008/100',
        GPSMapDatum: MARKER,
      },
    })
    .withXmp(XMP)
    .withMetadata({ orientation: 6 });

const pixels = (image: Buffer) => sharp(image).raw().toBuffer();
const has = (data: Buffer, text: string) => data.includes(Buffer.from(text, 'latin1'));

/** What every stripped image must show: no location, the same picture, still turned the same way. */
async function expectStripped(input: Buffer, mime: string): Promise<Buffer> {
  expect(has(input, MARKER)).toBe(true);
  const { data, changed } = stripImageMetadata(input, mime);
  expect(changed).toBe(true);
  expect(has(data, MARKER)).toBe(false);
  expect(has(data, '48/1')).toBe(false);
  const metadata = await sharp(data).metadata();
  expect(metadata.orientation).toBe(6);
  expect((await pixels(data)).equals(await pixels(input))).toBe(true);
  return data;
}

describe('stripImageMetadata', () => {
  it('JPEG: drops EXIF, XMP and comments, keeps the orientation, copies the scan data byte for byte', async () => {
    const input = await base().jpeg({ quality: 90 }).toBuffer();
    const output = await expectStripped(input, 'image/jpeg');
    expect(has(output, 'TestCam')).toBe(false);
    expect(has(output, 'http://ns.adobe.com/xap/1.0/')).toBe(false);
    // Lossless: everything from the first scan on is the input's.
    const scan = (data: Buffer) => data.subarray(data.indexOf(Buffer.from([0xff, 0xda])));
    expect(scan(output).equals(scan(input))).toBe(true);
    // And done: stripping again finds nothing.
    expect(stripImageMetadata(output, 'image/jpeg')).toEqual({ data: output, changed: false });
  });

  it('JPEG: drops what follows the image when it carries metadata (multi-picture secondary images)', async () => {
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    expect(stripImageMetadata(plain, 'image/jpeg')).toEqual({ data: plain, changed: false });
    const second = await base().jpeg().toBuffer();
    const { data, changed } = stripImageMetadata(Buffer.concat([plain, second]), 'image/jpeg');
    expect(changed).toBe(true);
    expect(data.equals(plain)).toBe(true);
  });

  it('PNG: drops eXIf and text chunks, keeps the orientation in a valid eXIf', async () => {
    const input = await base().png().toBuffer();
    await expectStripped(input, 'image/png');
  });

  it('WebP: drops the EXIF and XMP chunks and says so in the VP8X flags', async () => {
    const input = await base().webp({ quality: 80 }).toBuffer();
    const output = await expectStripped(input, 'image/webp');
    expect(output.readUInt32LE(4)).toBe(output.length - 8);
    expect(has(output, 'XMP ')).toBe(false);
  });

  it('AVIF/HEIC: zeroes the GPS directory and blanks XMP places in place, nothing moves', async () => {
    const input = await base().avif({ quality: 60 }).toBuffer();
    const output = stripImageMetadata(input, 'image/avif').data;
    expect(output.length).toBe(input.length);
    expect(has(output, MARKER)).toBe(false);
    expect(has(output, 'GPSLatitude')).toBe(false);
    expect(has(output, 'TestCam')).toBe(true); // only the location goes
    expect((await pixels(output)).equals(await pixels(input))).toBe(true);
    // The XMP is still well-formed: only attribute and element text became spaces.
    const xmp = output.toString('latin1', output.indexOf('<x:xmpmeta'), output.indexOf('</x:xmpmeta>') + 12);
    expect(xmp).toMatch(
      /^<x:xmpmeta[\s\S]*<rdf:Description rdf:about="" xmlns:exif=[^>]*\s+>\s*<\/rdf:Description>/,
    );
  });

  it('TIFF: zeroes the GPS directory of the file itself', async () => {
    const input = tiffWithGps();
    const before = await sharp(input).raw().toBuffer();
    const output = stripImageMetadata(input, 'image/tiff').data;
    expect(has(output, MARKER)).toBe(false);
    expect(output.length).toBe(input.length);
    expect((await sharp(output).raw().toBuffer()).equals(before)).toBe(true);
  });

  it('stores images without metadata, and other types, as they are', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(stripImageMetadata(png, 'image/png')).toEqual({ data: png, changed: false });
    const pdf = Buffer.from(`%PDF-1.7 Exif\0\0 ${MARKER}`);
    expect(stripImageMetadata(pdf, 'application/pdf')).toEqual({ data: pdf, changed: false });
  });

  it('refuses an image it cannot follow when it carries metadata, and keeps one that carries none', async () => {
    const input = await base().jpeg().toBuffer();
    const broken = Buffer.from(input);
    broken.writeUInt16BE(0xffff, 4); // the first segment's length now runs past the end
    expect(() => stripImageMetadata(broken.subarray(0, 2000), 'image/jpeg')).toThrow(UnstrippableImageError);
    const noise = Buffer.concat([Buffer.from([0xff, 0xd8, 0x12, 0x34]), Buffer.alloc(100, 0x41)]);
    expect(stripImageMetadata(noise, 'image/jpeg')).toEqual({ data: noise, changed: false });
  });
});

/** A 2×2 8-bit grey TIFF (big-endian) whose IFD0 points to a GPS directory with the marker. */
function tiffWithGps(): Buffer {
  const entries: Array<[tag: number, type: number, count: number, value: number]> = [
    [256, 3, 1, 2], // ImageWidth
    [257, 3, 1, 2], // ImageLength
    [258, 3, 1, 8], // BitsPerSample
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 1], // Photometric: black is zero
    [273, 4, 1, 0], // StripOffsets: filled in below
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 3, 1, 2], // RowsPerStrip
    [279, 4, 1, 4], // StripByteCounts
    [0x8825, 4, 1, 0], // GPSInfo: filled in below
  ];
  const ifd0 = 8;
  const gps = ifd0 + 2 + entries.length * 12 + 4;
  const datum = gps + 2 + 12 + 4;
  const strip = datum + MARKER.length + 1 + 1; // padded to an even offset
  entries[5]![3] = strip;
  entries[9]![3] = gps;
  const data = Buffer.alloc(strip + 4);
  data.write('MM', 0, 'latin1');
  data.writeUInt16BE(42, 2);
  data.writeUInt32BE(ifd0, 4);
  data.writeUInt16BE(entries.length, ifd0);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifd0 + 2 + i * 12;
    data.writeUInt16BE(tag, at);
    data.writeUInt16BE(type, at + 2);
    data.writeUInt32BE(count, at + 4);
    if (type === 3) data.writeUInt16BE(value, at + 8);
    else data.writeUInt32BE(value, at + 8);
  });
  data.writeUInt16BE(1, gps);
  data.writeUInt16BE(18, gps + 2); // GPSMapDatum
  data.writeUInt16BE(2, gps + 4); // ASCII
  data.writeUInt32BE(MARKER.length + 1, gps + 6);
  data.writeUInt32BE(datum, gps + 10);
  data.write(MARKER, datum, 'latin1');
  Buffer.from([0, 64, 128, 255]).copy(data, strip);
  return data;
}
