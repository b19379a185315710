import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, locationOf } from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  assertFormErrors,
  casesOf,
  documentRows,
  type Family,
  familyWithRequest,
  fillRequest,
  JPEG,
  PDF,
  PNG,
  shareChild,
  storedFiles,
  submitRequest,
  type UploadFile,
  uploadTo,
  words,
} from '../../../test/support/send.js';

const MB = 1024 * 1024;
const pdf = (name: string, data = PDF): UploadFile => ({ name, type: 'application/pdf', data });
const uploadError = (key: string) => [{ field: 'file', text: words('en', `request:upload.errors.${key}`, { max: 20 }) }];

describeEachDatabase('SEND: supporting documents (DESIGN §5)', (kind) => {
  let t: AccountsTestApp;
  let family: Family;
  before(async () => {
    t = await createAccountsTestApp(kind);
    family = await familyWithRequest(t, { complete: false });
  });
  after(() => t.close());

  const idOf = async (filename: string) => {
    const row = (await documentRows(t)).find((d) => d.filename === filename);
    assert.ok(row, `no document ${filename}`);
    return row;
  };

  test('a real PDF, PNG and JPEG are accepted, listed, and downloaded as attachments, byte for byte', async () => {
    const files: UploadFile[] = [pdf('school report.pdf'), { name: 'drawing.png', type: 'image/png', data: PNG }, { name: 'Letter from Dr Jones.jpg', type: 'image/jpeg', data: JPEG }];
    assert.equal(PDF.subarray(0, 8).toString(), '%PDF-1.4');
    for (const file of files) {
      const res = await uploadTo(t, family.client, family.requestId, file);
      assert.equal(res.statusCode, 302, file.name);
      assert.equal(locationOf(res), `/send/requests/${family.requestId}/sections/documents`);
      const page = await family.client.get(locationOf(res));
      assert.ok(textOf(page.body).includes(words('en', 'request:upload.added', { name: file.name })), 'told where the upload brings them back');
    }
    assert.ok(!textOf((await family.client.get(`/send/requests/${family.requestId}`)).body).includes('has been uploaded'), 'and not again on a later page');
    const section = textOf((await family.client.get(`/send/requests/${family.requestId}/sections/documents`)).body);
    for (const file of files) assert.ok(section.includes(file.name), `listed: ${file.name}`);

    const rows = await documentRows(t);
    assert.deepEqual(
      rows.map((r) => [r.filename, r.content_type, r.size, r.owner_type, r.owner_id, r.uploaded_by]),
      [
        ['school report.pdf', 'application/pdf', PDF.length, 'request', family.requestId, family.person.id],
        ['drawing.png', 'image/png', PNG.length, 'request', family.requestId, family.person.id],
        ['Letter from Dr Jones.jpg', 'image/jpeg', JPEG.length, 'request', family.requestId, family.person.id],
      ],
    );
    // Stored under random names, never the names people gave.
    assert.deepEqual(storedFiles(t), rows.map((r) => r.storage_key).sort());
    for (const r of rows) {
      assert.match(r.storage_key, /^[a-f0-9]{2}\/[a-f0-9]{64}$/);
      assert.deepEqual(readFileSync(path.join(t.config.dataDir, 'files', r.storage_key)), files.find((f) => f.name === r.filename)?.data);
    }

    for (const file of files) {
      const doc = await idOf(file.name);
      const res = await family.client.get(`/send/documents/${doc.id}`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.rawPayload, file.data, 'the same bytes');
      assert.equal(res.headers['content-type'], file.type);
      assert.equal(res.headers['content-disposition'], `attachment; filename="${file.name}"; filename*=UTF-8''${encodeURIComponent(file.name)}`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cache-control'], 'no-store');
      // Nowhere else: not to anonymous people, not as a static file.
      const anonymous = await new Client(t.app).get(`/send/documents/${doc.id}`);
      assert.equal(anonymous.statusCode, 302);
      assert.equal(locationOf(anonymous), '/login');
      for (const url of [`/static/${doc.storage_key}`, `/static/files/${doc.storage_key}`, `/files/${doc.storage_key}`, `/assets/../files/${doc.storage_key}`, `/static/..%2Ffiles%2F${doc.storage_key.replace('/', '%2F')}`]) {
        assert.equal((await family.client.get(url)).statusCode, 404, url);
      }
    }
    const viewed = await t.app.db.selectFrom('audit_events').select('subject_id').where('action', '=', 'document.viewed').where('actor_id', '=', family.person.id).execute();
    assert.equal(viewed.length, 3, 'each download is audited');
  });

  test('hostile or broken files get a clear error and nothing is stored', async () => {
    const cases: [string, UploadFile, string][] = [
      ['a text file named .pdf', pdf('notes.pdf', Buffer.from('Just some notes, honestly a PDF.\n')), 'badType'],
      ['HTML named .png', { name: 'photo.png', type: 'image/png', data: Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>') }, 'badType'],
      ['an SVG', { name: 'picture.png', type: 'image/svg+xml', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>') }, 'badType'],
      ['a program', pdf('setup.pdf', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)])), 'badType'],
      ['an empty file', pdf('empty.pdf', Buffer.alloc(0)), 'empty'],
      ['20 MB and one byte', pdf('huge.pdf', Buffer.concat([PDF, Buffer.alloc(20 * MB + 1 - PDF.length, 0x20)])), 'tooLarge'],
      ['a name climbing folders', pdf('../../etc/passwd.pdf'), 'badName'],
      ['a name with a folder', pdf('a/b.pdf'), 'badName'],
      ['a Windows path', pdf('C:\\Users\\me\\report.pdf'), 'badName'],
      ['a hidden file', pdf('.htaccess.pdf'), 'badName'],
      ['no file chosen', { name: '', type: 'application/octet-stream', data: Buffer.alloc(0) }, 'required'],
    ];
    const rowsBefore = await documentRows(t);
    const filesBefore = storedFiles(t);
    for (const [what, file, problem] of cases) {
      const res = await uploadTo(t, family.client, family.requestId, file);
      assert.equal(res.statusCode, 400, what);
      assertFormErrors(res, 'en', uploadError(problem));
      assert.deepEqual(await documentRows(t), rowsBefore, `no document row: ${what}`);
      assert.deepEqual(storedFiles(t), filesBefore, `no file: ${what}`);
    }
    assert.equal(words('en', 'request:upload.errors.tooLarge', { max: 20 }), 'The selected file must be smaller than 20 MB');
  });

  test('a file of exactly 20 MB is accepted', async () => {
    const big = Buffer.concat([PDF, Buffer.alloc(20 * MB - PDF.length, 0x20)]);
    const res = await uploadTo(t, family.client, family.requestId, pdf('twenty.pdf', big));
    assert.equal(res.statusCode, 302);
    const doc = await idOf('twenty.pdf');
    assert.equal(doc.size, 20 * MB);
    const removed = await family.client.post(`/send/requests/${family.requestId}/documents/${doc.id}/delete`);
    assert.equal(removed.statusCode, 302);
  });

  test('an upload without the right CSRF token is refused (403) and nothing is stored', async () => {
    const rowsBefore = await documentRows(t);
    const filesBefore = storedFiles(t);
    await family.client.get(`/send/requests/${family.requestId}/sections/documents`);
    for (const csrf of [null, '', 'forged-token', 'x'.repeat(43)]) {
      const res = await uploadTo(t, family.client, family.requestId, pdf('sneaky.pdf'), { csrf });
      assert.equal(res.statusCode, 403, String(csrf));
    }
    // A token from another session does not work either.
    const other = await familyWithRequest(t, { complete: false });
    await other.client.get('/send');
    const theirs = other.client.lastHtml.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
    assert.equal((await uploadTo(t, family.client, family.requestId, pdf('sneaky.pdf'), { csrf: theirs })).statusCode, 403);
    assert.deepEqual(await documentRows(t), rowsBefore);
    assert.deepEqual(storedFiles(t), filesBefore);
  });

  test('removing a document before sending deletes its row and its file', async () => {
    await uploadTo(t, family.client, family.requestId, pdf('remove me.pdf'));
    const doc = await idOf('remove me.pdf');
    assert.ok(storedFiles(t).includes(doc.storage_key));
    await family.client.get(`/send/requests/${family.requestId}/sections/documents`);
    const res = await family.client.post(`/send/requests/${family.requestId}/documents/${doc.id}/delete`);
    assert.equal(res.statusCode, 302);
    assert.equal(locationOf(res), `/send/requests/${family.requestId}/sections/documents`);
    assert.equal((await documentRows(t)).find((d) => d.id === doc.id), undefined);
    assert.ok(!storedFiles(t).includes(doc.storage_key), 'the file is gone');
    assert.equal((await family.client.get(`/send/documents/${doc.id}`)).statusCode, 404);
    assert.equal((await family.client.post(`/send/requests/${family.requestId}/documents/${doc.id}/delete`)).statusCode, 404, 'twice');
  });

  test('once sent, the documents belong to the case and still download for the family', async () => {
    const partner = await createCitizen(t, { twoStep: 'email' });
    const partnerClient = await shareChild(t, family.client, family.childId, partner);
    const before = await documentRows(t);
    const mine = before.filter((d) => d.owner_id === family.requestId);
    assert.equal(mine.length, 3);
    await fillRequest(family.client, family.requestId);
    const sent = await submitRequest(family.client, family.requestId);
    assert.equal(locationOf(sent), `/send/requests/${family.requestId}/confirmation`);
    const [caseRow] = await casesOf(t, family.requestId);
    assert.ok(caseRow);
    const after = await documentRows(t);
    for (const doc of mine) {
      const now = after.find((d) => d.id === doc.id);
      assert.equal(now?.owner_type, 'case');
      assert.equal(now?.owner_id, caseRow.id);
      assert.equal(now?.storage_key, doc.storage_key);
      for (const client of [family.client, partnerClient]) {
        const res = await client.get(`/send/documents/${doc.id}`);
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['content-disposition']?.toString().startsWith('attachment;'), true);
        assert.equal(res.rawPayload.length, doc.size);
      }
      // They can no longer be removed.
      await family.client.get('/send');
      assert.equal((await family.client.post(`/send/requests/${family.requestId}/documents/${doc.id}/delete`)).statusCode, 404);
    }
    assert.equal((await documentRows(t)).length, after.length);
    assert.deepEqual(
      storedFiles(t),
      after.map((d) => d.storage_key).sort(),
    );
  });
});
