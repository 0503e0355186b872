// Test data shared by the e2e files: a small PNG, and mails that exercise RFC 2047 subjects and
// display names, RFC 2231 file names, inline images and envelope-only (Bcc) recipients.

import { binaryPayload, uniqueWord } from './helpers.mjs';

// A valid 1x1 transparent PNG.
export const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

// A rich message as a web app would send it with nodemailer. Returns {mail, expect}.
export function richMail() {
  const word = uniqueWord('rich');
  const report = binaryPayload(30 * 1024 + 17);
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), binaryPayload(2048)]);
  const mail = {
    from: { name: 'Zoë Ångström', address: 'zoe@alpha.test' },
    to: [{ name: 'Иван Петров', address: 'ivan@beta.test' }, 'plain@beta.test'],
    cc: { name: '山田 太郎', address: 'taro@gamma.test' },
    bcc: 'hidden@delta.test',
    replyTo: { name: 'Replies', address: 'replies@alpha.test' },
    subject: `Grüße aus Köln — 東京 ✓ ${word}`,
    text: `Hello there,\nthe quarterly numbers are attached. ${word}\n`,
    html: `<p>Hello <b>there</b>, ${word}</p><p><img src="cid:logo@e2e" alt="logo"></p>`,
    headers: {
      'X-Tags': 'e2e, billing',
      'List-Unsubscribe': '<https://alpha.test/unsubscribe?u=1>, <mailto:unsub@alpha.test>',
    },
    attachments: [
      { filename: 'report.bin', content: report, contentType: 'application/octet-stream' },
      { filename: 'Übersicht März.pdf', content: pdf, contentType: 'application/pdf' },
      { filename: 'logo.png', content: PNG_1x1, contentType: 'image/png', cid: 'logo@e2e' },
    ],
  };
  return {
    word,
    mail,
    attachments: [
      { FileName: 'report.bin', ContentType: 'application/octet-stream', bytes: report },
      { FileName: 'Übersicht März.pdf', ContentType: 'application/pdf', bytes: pdf },
    ],
    inline: [{ FileName: 'logo.png', ContentType: 'image/png', ContentID: 'logo@e2e', bytes: PNG_1x1 }],
  };
}
