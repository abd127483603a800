/**
 * E-mail intake: a real SMTP client (nodemailer) sends to Ordo's real SMTP listener (port 0).
 * Structured bodies and JSON/CSV attachments become orders; anything unreadable becomes a draft
 * that needs data entry, with the original message kept, and a task in the operators' inbox (the
 * built-in mail-data-entry flow) whose completion creates the order.
 */
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { ApiClient, adminClient, startTestOrdo } from '../helpers/server';
import { eventually, operator } from './tasks-live.fixtures';
import { startOpenDraftTasks } from '../../server/intake/mail-data-entry';
import type { RunningOrdo } from '../../server/main';

describe('e-mail intake over real SMTP', () => {
  let ordo: RunningOrdo;
  let admin: ApiClient;
  let transport: Transporter;

  beforeAll(async () => {
    ordo = await startTestOrdo({ label: 'intake_email', env: { SMTP_PORT: '0' } });
    admin = await adminClient(ordo);
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: ordo.intake.smtpPort!, secure: false, ignoreTLS: true });
  });
  afterAll(async () => {
    transport.close();
    await ordo.close();
  });

  const send = async (mail: SendMailOptions) => {
    const info = await transport.sendMail({ from: 'Buyer <buyer@acme.test>', to: 'orders@ordo.test', ...mail });
    const result = ordo.intake.email.recent.get(info.messageId);
    expect(result).toBeDefined();
    return { info, result: result! };
  };

  it('given a structured body, then it becomes one order on the email channel, and the same message twice is still one order', async () => {
    const mail = {
      subject: 'Order PO-7781',
      messageId: '<po-7781@acme.test>',
      text: ['Hello, please ship:', '', 'Reference: PO-7781', 'Customer: Jane Doe', 'Phone: 020 7946 0958', 'Ship to: Jane Doe, 1 High Street, London, SW1A 1AA, GB', 'Currency: GBP', 'Lines:', '- 3 x abc-1 Widget @ 9.99', '- 2 x XYZ-2 Gadget, blue @ 0.50', '', 'Thanks'].join('\n'),
    };
    const { result } = await send(mail);
    expect(result.orders).toHaveLength(1);
    const order = (await admin.get(`/api/orders/${result.orders[0]}`)).body;
    expect(order).toMatchObject({ channel: 'email', externalId: 'PO-7781', currency: 'GBP', customer: { name: 'Jane Doe', email: 'buyer@acme.test', phone: '+442079460958' } });
    expect(order.lines).toEqual([
      expect.objectContaining({ sku: 'ABC-1', name: 'Widget', quantity: 3, unitPrice: 9.99 }),
      expect.objectContaining({ sku: 'XYZ-2', name: 'Gadget, blue', quantity: 2, unitPrice: 0.5 }),
    ]);
    expect(order.timeline[0].message).toMatch(/via email \(body, "Order PO-7781"\)/);
    const again = await send(mail);
    expect(again.result.orders).toEqual(result.orders);
    const found = await admin.get('/api/orders?channel=email&customer=buyer@acme.test');
    expect(found.body.items.filter((r: { number: string }) => r.number === result.orders[0])).toHaveLength(1);
  });

  it('given a JSON attachment holding the order schema, then it becomes an order', async () => {
    const order = { customer: { name: 'Attach Ltd' }, shippingAddress: { line1: '5 Rue de la Paix', city: 'Paris', postcode: '75002', country: 'FR' }, currency: 'eur', lines: [{ sku: 'j-1', name: 'Json thing', quantity: 1, unitPrice: 10 }] };
    const { result } = await send({ subject: 'see attached', text: 'order attached', attachments: [{ filename: 'order.json', content: JSON.stringify(order), contentType: 'application/json' }] });
    expect(result.orders).toHaveLength(1);
    const o = (await admin.get(`/api/orders/${result.orders[0]}`)).body;
    expect(o).toMatchObject({ channel: 'email', currency: 'EUR', customer: { name: 'Attach Ltd', email: 'buyer@acme.test' }, lines: [expect.objectContaining({ sku: 'J-1' })] });
  });

  it('given a CSV attachment with two orders, then both are created', async () => {
    const csv = ['order,customer,address,city,postcode,country,currency,sku,product,qty,price', 'A-1,Ann,1 Road,Berlin,10115,DE,EUR,S-1,Screw,10,0.1', 'A-1,Ann,1 Road,Berlin,10115,DE,EUR,S-2,Nut,10,0.05', 'A-2,Bob,2 Road,Bonn,53111,DE,EUR,S-1,Screw,5,0.1'].join('\n');
    const { result } = await send({ subject: 'two orders', text: 'csv attached', attachments: [{ filename: 'orders.csv', content: csv, contentType: 'text/csv' }] });
    expect(result.orders).toHaveLength(2);
    const first = (await admin.get(`/api/orders/${result.orders[0]}`)).body;
    expect(first.lines).toHaveLength(2);
    expect(first.totals.subtotal).toBe(1.5);
  });

  it('given a message it cannot read with confidence, then a draft needs data entry with the problems and the original, and entering it creates the order', async () => {
    const { result, info } = await send({ subject: 'urgent!!', text: 'Customer: Someone\nLines:\n- some screws please, the usual\nShip to: the warehouse' });
    expect(result.orders).toEqual([]);
    expect(result.draftId).toEqual(expect.any(String));
    const drafts = await admin.get('/api/intake/drafts');
    const draft = drafts.body.find((d: { id: string }) => d.id === result.draftId);
    expect(draft).toMatchObject({ channel: 'email', status: 'open', source: { from: 'buyer@acme.test', subject: 'urgent!!' } });
    expect(draft.problems.map((p: { message: string }) => p.message).join(' ')).toMatch(/cannot read "- some screws please/);
    const original = await admin.request('GET', `/api/intake/drafts/${result.draftId}/original`);
    expect(original.status).toBe(200);
    expect(String(original.body)).toContain(info.messageId);
    expect(String(original.body)).toContain('some screws please');

    const entered = await admin.post(`/api/intake/drafts/${result.draftId}/order`, {
      customer: { name: 'Someone', email: 'buyer@acme.test' },
      shippingAddress: { line1: '9 Dock Road', city: 'Leeds', postcode: 'LS1 1AA', country: 'GB' },
      currency: 'GBP',
      lines: [{ sku: 'SCREW-10', name: 'Screws', quantity: 100, unitPrice: 0.02 }],
    });
    expect(entered.status).toBe(201);
    expect(entered.body).toMatchObject({ channel: 'email', externalId: info.messageId });
    const resolved = await admin.get(`/api/intake/drafts/${result.draftId}`);
    expect(resolved.body).toMatchObject({ status: 'resolved', orderNumber: entered.body.number });
    expect((await admin.post(`/api/intake/drafts/${result.draftId}/discard`, {})).status).toBe(409);
    // the mail's data-entry task went with it
    const instances = (await admin.get(`/api/instances?businessKey=${encodeURIComponent(`mail:${result.draftId}`)}`)).body;
    expect(instances.items).toEqual([expect.objectContaining({ processKey: 'mail-data-entry', status: 'cancelled' })]);
  });

  it('given an attachment that fails the schema, then a draft lists every failing field', async () => {
    const { result } = await send({ subject: 'bad json', text: '', attachments: [{ filename: 'order.json', content: JSON.stringify({ customer: {}, lines: [{ sku: 'X' }], currency: 'ZZZ' }) }] });
    expect(result.draftId).toBeDefined();
    const draft = (await admin.get(`/api/intake/drafts/${result.draftId}`)).body;
    expect(draft.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['customer.name', 'shippingAddress', 'currency', 'lines.0.name']));
    expect(draft.extracted).toMatchObject({ lines: [{ sku: 'X' }] });
  });

  describe('the data-entry task of an unreadable mail', () => {
    let desk: ApiClient;
    const scan = Buffer.from('%PDF-1.4\n% a scanned purchase order\n' + 'x'.repeat(3000), 'latin1');
    beforeAll(async () => {
      desk = await operator(ordo, 'desk@test.local', []);
    });
    const inboxTask = (draftId: string, status = 'open') =>
      eventually(async () => {
        const list = await desk.get('/api/inbox/tasks?queue=groups');
        expect(list.status).toBe(200);
        const t = (list.body.items as Array<{ id: string; businessKey: string; status: string; formKey: string; elementId: string }>).find((x) => x.businessKey === `mail:${draftId}` && x.status === status);
        return t;
      }, `the data-entry task of ${draftId}`);
    const unreadable = (messageId: string) => ({
      subject: 'Bestellung / order',
      messageId,
      text: 'Hello,\n\nplease send us the usual screws, 100 boxes, to the Leeds dock as last time.\nThe PO is attached.\n\nRegards, Sam',
      attachments: [{ filename: 'PO-scan.pdf', content: scan, contentType: 'application/pdf' }],
    });

    it('given an unreadable mail, then an operator finds a task with the mail in the inbox, the intake refuses a wrong entry and the task comes back with the problems, and the right entry creates the order on the email channel', async () => {
      const { info, result } = await send(unreadable('<po-scan-1@acme.test>'));
      expect(result).toMatchObject({ orders: [], draftId: expect.any(String) });
      const task = await inboxTask(result.draftId!);
      expect(task).toMatchObject({ processKey: 'mail-data-entry', formKey: 'mail-data-entry', elementId: 'enterOrder' });

      // what the task page shows: the mail (subject, sender, text, problems) and its attachment
      const mail = (await desk.get(`/api/intake/drafts/${result.draftId}`)).body;
      expect(mail).toMatchObject({ status: 'open', source: { from: 'buyer@acme.test', subject: 'Bestellung / order', messageId: info.messageId }, attachments: [{ name: 'PO-scan.pdf', contentType: 'application/pdf', size: scan.length }] });
      expect(mail.text).toContain('the usual screws');
      expect(mail.problems[0].message).toMatch(/no order fields found/);
      const file = await fetch(`${ordo.url}/api/intake/drafts/${result.draftId}/attachments/0`, { headers: { cookie: desk.cookieHeader ?? '' } });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-disposition')).toContain('filename="PO-scan.pdf"');
      expect(Buffer.from(await file.arrayBuffer()).equals(scan)).toBe(true);
      expect((await desk.get(`/api/intake/drafts/${result.draftId}/attachments/1`)).status).toBe(404);
      const task0 = (await desk.get(`/api/tasks/${task.id}`)).body;
      expect(task0.form.schema.properties.order.properties.lines.type).toBe('array');

      expect((await desk.post(`/api/tasks/${task.id}/claim`)).status).toBe(200);
      // the form: entering needs an order
      const incomplete = await desk.post(`/api/tasks/${task.id}/complete`, { data: { decision: 'enter' } });
      expect(incomplete.status).toBe(400);
      expect(incomplete.body.errors.map((e: { path: string }) => e.path)).toContain('order');
      // the intake: an unknown currency is refused, the task comes back with it
      const order = {
        customer: { name: 'Sam Smith', company: 'Acme Ltd', phone: '0113 496 0000' },
        shippingAddress: { line1: '9 Dock Road', city: 'Leeds', postcode: 'LS1 1AA', country: 'gb' },
        currency: 'ZZZ',
        lines: [{ sku: 'scr-100', name: 'Screws, box of 100', quantity: 100, unitPrice: 2.5 }],
      };
      expect((await desk.post(`/api/tasks/${task.id}/complete`, { data: { decision: 'enter', order } })).status).toBe(200);
      const again = await eventually(async () => {
        const t = await inboxTask(result.draftId!);
        return t.id !== task.id ? t : undefined;
      }, 'the task back after a refused entry');
      const refused = (await desk.get(`/api/intake/drafts/${result.draftId}`)).body;
      expect(refused.status).toBe('open');
      expect(refused.entryProblems.map((p: { path: string }) => p.path)).toContain('currency');

      expect((await desk.post(`/api/tasks/${again.id}/claim`)).status).toBe(200);
      expect((await desk.post(`/api/tasks/${again.id}/complete`, { data: { decision: 'enter', order: { ...order, currency: 'gbp' } } })).status).toBe(200);
      const resolved = await eventually(async () => {
        const d = (await desk.get(`/api/intake/drafts/${result.draftId}`)).body;
        return d.status === 'resolved' ? d : undefined;
      }, 'the draft resolved by its task');
      expect(resolved).toMatchObject({ orderNumber: expect.stringMatching(/^SO-\d{4}-\d{6}$/), resolvedBy: 'data entry: desk@test.local' });
      expect(resolved.entryProblems).toBeUndefined();
      const created = (await admin.get(`/api/orders/${resolved.orderNumber}`)).body;
      expect(created).toMatchObject({ channel: 'email', externalId: info.messageId, currency: 'GBP', customer: { name: 'Sam Smith', phone: '+441134960000', email: 'buyer@acme.test' }, lines: [expect.objectContaining({ sku: 'SCR-100', quantity: 100 })], totals: { subtotal: 250 } });
      expect(created.timeline[0].message).toMatch(/entered from the e-mail "Bestellung \/ order"/);
      expect(created.timeline[0].actor).toBe('data entry: desk@test.local');
      const instance = (await admin.get(`/api/instances?businessKey=${encodeURIComponent(`mail:${result.draftId}`)}`)).body.items[0];
      expect(instance).toMatchObject({ processKey: 'mail-data-entry', status: 'completed' });

      // the same mail delivered again is the same draft: no second task, no second order
      const repeat = await send(unreadable('<po-scan-1@acme.test>'));
      expect(repeat.result.draftId).toBe(result.draftId);
      expect((await admin.get(`/api/instances?businessKey=${encodeURIComponent(`mail:${result.draftId}`)}`)).body.items).toHaveLength(1);
      const byChannel = await admin.get(`/api/orders?channel=email&customer=${encodeURIComponent('Sam Smith')}`);
      expect(byChannel.body.items.filter((r: { number: string }) => r.number === resolved.orderNumber)).toHaveLength(1);
    });

    it('given an operator decides a mail is not an order, then the mail is marked rejected with the reason and no order exists', async () => {
      const { result } = await send(unreadable('<newsletter-7@acme.test>'));
      const task = await inboxTask(result.draftId!);
      expect((await desk.post(`/api/tasks/${task.id}/claim`)).status).toBe(200);
      const noReason = await desk.post(`/api/tasks/${task.id}/complete`, { data: { decision: 'reject' } });
      expect(noReason.status).toBe(400);
      expect(noReason.body.errors.map((e: { path: string }) => e.path)).toContain('rejectReason');
      expect((await desk.post(`/api/tasks/${task.id}/complete`, { data: { decision: 'reject', rejectReason: 'a newsletter, not an order' } })).status).toBe(200);
      const rejected = await eventually(async () => {
        const d = (await desk.get(`/api/intake/drafts/${result.draftId}`)).body;
        return d.status === 'rejected' ? d : undefined;
      }, 'the draft rejected by its task');
      expect(rejected).toMatchObject({ rejectReason: 'a newsletter, not an order', resolvedBy: 'desk@test.local' });
      expect(rejected.orderNumber).toBeUndefined();
      expect((await admin.get('/api/intake/drafts?status=rejected')).body.map((d: { id: string }) => d.id)).toContain(result.draftId);
      expect((await admin.post(`/api/intake/drafts/${result.draftId}/order`, {})).status).toBe(409);
    });

    it('given a mail stored while no workflow runtime was wired, then its task starts when the data-entry flow starts', async () => {
      const tasks = ordo.intake.drafts.tasks;
      ordo.intake.drafts.tasks = undefined;
      let draftId: string;
      try {
        draftId = (await send(unreadable('<stored-early@acme.test>'))).result.draftId!;
      } finally {
        ordo.intake.drafts.tasks = tasks;
      }
      const key = encodeURIComponent(`mail:${draftId}`);
      expect((await admin.get(`/api/instances?businessKey=${key}`)).body.items).toEqual([]);
      await startOpenDraftTasks(ordo.intake.drafts, ordo.logger);
      await inboxTask(draftId);
      // every other open mail already had its task: none got a second one
      for (const d of (await admin.get('/api/intake/drafts')).body as Array<{ id: string }>) {
        expect((await admin.get(`/api/instances?businessKey=${encodeURIComponent(`mail:${d.id}`)}`)).body.items).toHaveLength(1);
      }
    });
  });
});
