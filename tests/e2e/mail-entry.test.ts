/**
 * The data-entry task of an e-mail the intake could not read, in Debian's chromium: an operator
 * opens it from the inbox and sees the mail (sender, subject, text, why it needs a person, the
 * attachment as a download), claims it and rejects it with the form, or enters the order with the
 * form (lines in the grid) and the order exists on the email channel; a Chinese browser reads the
 * mail panel in Chinese.
 */
import nodemailer from 'nodemailer';
import { ApiClient, adminClient } from '../helpers/server';
import { DesignerHarness, screenshot, signIn } from '../helpers/browser';
import { eventually as until } from '../api/tasks-live.fixtures';

const SCAN = Buffer.from('%PDF-1.4\n% scanned purchase order\n' + 'y'.repeat(2048), 'latin1');

describe('the data-entry task of an unreadable e-mail (chromium)', () => {
  let harness: DesignerHarness;
  let admin: ApiClient;
  let draftId: string;
  let taskId: string;

  beforeAll(async () => {
    harness = await DesignerHarness.start('e2e_mail_entry');
    admin = await adminClient(harness.ordo);
    expect((await admin.post('/api/users', { email: 'desk@test.local', name: 'Desk', role: 'operator', groups: [], password: 'operator-pass-1' })).status).toBe(201);
    // a real RFC 5322 message built by nodemailer, handed to the intake as the SMTP listener does
    ({ draftId, taskId } = await unreadableMail('Our order for next week'));
  });
  afterAll(() => harness?.close());

  async function unreadableMail(subject: string): Promise<{ draftId: string; taskId: string; messageId: string }> {
    const built = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail({
      from: 'Sam Buyer <sam@acme.test>',
      to: 'orders@ordo.test',
      subject,
      text: 'Hello,\n\nplease send the usual screws to the Leeds dock.\nScan of the PO attached.\n\nSam',
      attachments: [{ filename: 'PO-scan.pdf', content: SCAN, contentType: 'application/pdf' }],
    });
    const result = await harness.ordo.intake.email.receive(built.message as Buffer);
    expect(result.draftId).toEqual(expect.any(String));
    const id = await until(async () => {
      const res = await admin.get(`/api/tasks?queue=all&businessKey=${encodeURIComponent(`mail:${result.draftId}`)}`);
      return (res.body.items as Array<{ id: string }>)[0]?.id;
    }, 'the data-entry task');
    return { draftId: result.draftId!, taskId: id, messageId: built.messageId };
  }

  it('given an operator opens the task, then the page shows the mail and its attachment, and the operator rejects it with the form', async () => {
    const b = await harness.browser();
    const page = await b.open('/login');
    await signIn(page, 'desk@test.local', 'operator-pass-1');
    // the inbox row says who wrote and about what, since there is no order yet
    await page.goto(`${harness.url}/tasks?queue=groups`);
    const row = page.locator(`tr[data-task-id="${taskId}"]`);
    await row.locator('.task-subject', { hasText: 'Our order for next week' }).waitFor();
    expect((await row.locator('.cell-customer').textContent())?.trim()).toBe('sam@acme.test');
    expect((await row.locator('.cell-order').textContent())?.trim()).toBe('✉ Mail');
    expect(await row.locator('td').nth(4).textContent()).toBe('E-mail');
    await screenshot(page, 'mail-entry-00-inbox');
    await page.goto(`${harness.url}/tasks/${encodeURIComponent(taskId)}`);
    const panel = page.locator(`.mail-panel[data-draft="${draftId}"]`);
    await panel.waitFor();
    expect((await panel.locator('.mail-subject').textContent())?.trim()).toBe('Our order for next week');
    expect((await panel.locator('.mail-from').textContent())?.trim()).toBe('sam@acme.test');
    expect(await panel.locator('.mail-body').textContent()).toContain('please send the usual screws to the Leeds dock.');
    expect(await panel.locator('.mail-problems').first().textContent()).toMatch(/no order fields found/);
    const link = panel.locator('.attachment-list a', { hasText: 'PO-scan.pdf' });
    const href = await link.getAttribute('href');
    expect(href).toBe(`/api/intake/drafts/${draftId}/attachments/0`);
    const download = await page.request.get(`${harness.url}${href}`);
    expect(download.status()).toBe(200);
    expect(Buffer.from(await download.body()).equals(SCAN)).toBe(true);
    await screenshot(page, 'mail-entry-01-task');

    await page.getByRole('button', { name: 'Claim' }).click();
    const form = page.locator('.task-form[data-form-key="mail-data-entry"]');
    await form.waitFor();
    await form.getByLabel('Not an order: reject the mail').check();
    await form.locator('#root_rejectReason').fill('A reminder, the order came by phone');
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(`${harness.url}/tasks?queue=mine`);
    const draft = await until(async () => {
      const d = (await admin.get(`/api/intake/drafts/${draftId}`)).body;
      return d.status === 'rejected' ? d : undefined;
    }, 'the mail rejected');
    expect(draft).toMatchObject({ rejectReason: 'A reminder, the order came by phone', resolvedBy: 'desk@test.local' });
    expect(b.problems).toEqual([]);
  });

  it('given a Chinese browser, then the mail panel reads in Chinese', async () => {
    const b = await harness.browser({ locale: 'zh-CN' });
    const page = await b.open('/login');
    await signIn(page, 'desk@test.local', 'operator-pass-1');
    await page.goto(`${harness.url}/tasks/${encodeURIComponent(taskId)}`);
    const panel = page.locator('.mail-panel');
    await panel.waitFor();
    expect((await panel.locator('#mail-title').textContent())?.trim()).toBe('电子邮件');
    expect(await panel.textContent()).toContain('已由 desk@test.local 拒绝：A reminder, the order came by phone');
    expect(b.problems).toEqual([]);
  });

  it('given an operator enters the order with the form, then it is created on the email channel with the Message-ID and the mail is resolved', async () => {
    const mail = await unreadableMail('Screws again');
    const b = await harness.browser();
    const page = await b.open('/login');
    await signIn(page, 'desk@test.local', 'operator-pass-1');
    await page.goto(`${harness.url}/tasks/${encodeURIComponent(mail.taskId)}`);
    await page.locator(`.mail-panel[data-draft="${mail.draftId}"] .mail-subject`, { hasText: 'Screws again' }).waitFor();
    await page.getByRole('button', { name: 'Claim' }).click();
    const form = page.locator('.task-form[data-form-key="mail-data-entry"]');
    await form.waitFor();
    const fill = (id: string, value: string) => form.locator(`#${id}`).fill(value);
    await fill('root_order_customer_name', 'Sam Buyer');
    await fill('root_order_customer_company', 'Acme Ltd');
    await fill('root_order_shippingAddress_line1', '9 Dock Road');
    await fill('root_order_shippingAddress_city', 'Leeds');
    await fill('root_order_shippingAddress_postcode', 'LS1 1AA');
    await fill('root_order_shippingAddress_country', 'GB');
    await fill('root_order_currency', 'GBP');
    await fill('root_order_lines_0_sku', 'scr-100');
    await fill('root_order_lines_0_name', 'Screws, box of 100');
    await fill('root_order_lines_0_quantity', '12');
    await fill('root_order_lines_0_unitPrice', '2.5');
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(`${harness.url}/tasks?queue=mine`);
    const draft = await until(async () => {
      const d = (await admin.get(`/api/intake/drafts/${mail.draftId}`)).body;
      return d.status === 'resolved' ? d : undefined;
    }, 'the mail resolved');
    const order = (await admin.get(`/api/orders/${draft.orderNumber}`)).body;
    expect(order).toMatchObject({ channel: 'email', externalId: mail.messageId, customer: { name: 'Sam Buyer', company: 'Acme Ltd', email: 'sam@acme.test' }, currency: 'GBP', lines: [expect.objectContaining({ sku: 'SCR-100', quantity: 12, unitPrice: 2.5 })] });
    // the task page now says where the mail went
    await page.goto(`${harness.url}/tasks/${encodeURIComponent(mail.taskId)}`);
    await page.locator('.mail-panel a', { hasText: `Entered as order ${draft.orderNumber}.` }).waitFor();
    expect(b.problems).toEqual([]);
  });
  it('given a Chinese browser, when the operator claims a mail task, then the form speaks Chinese (title, fields, options)', async () => {
    const mail = await unreadableMail('Nuts and bolts');
    const b = await harness.browser({ locale: 'zh-CN' });
    const page = await b.open('/login');
    await signIn(page, 'desk@test.local', 'operator-pass-1');
    await page.goto(`${harness.url}/tasks/${encodeURIComponent(mail.taskId)}`);
    await page.getByRole('button', { name: '领取', exact: true }).click();
    const form = page.locator('.task-form[data-form-key="mail-data-entry"]');
    await form.waitFor();
    expect((await page.locator('#task-form-title').textContent())?.trim()).toBe('根据邮件录入订单');
    expect((await form.locator('label[for="root_order_customer_name"]').textContent())?.trim()).toMatch(/^姓名/);
    expect(await form.textContent()).toContain('不是订单：拒绝该邮件');
    expect(b.problems).toEqual([]);
  });
});
