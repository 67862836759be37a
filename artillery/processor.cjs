// Artillery processor for file-upload.yml: the image each virtual user sends (a real PNG
// header, so the file service's magic-byte check accepts it; UPLOAD_BYTES long).
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const size = Number(process.env.UPLOAD_BYTES || 64 * 1024);
const IMAGE = Buffer.concat([PNG_1X1, Buffer.alloc(Math.max(0, size - PNG_1X1.length))]);

function setImage(context, events, done) {
  context.vars.image = IMAGE;
  done();
}

module.exports = { setImage };
