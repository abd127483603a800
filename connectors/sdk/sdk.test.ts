import { z } from 'zod';
import { addressRefusal, backoffDelay, classifyAddress, elementTemplatesFor, hostAllowed, parseConnectorRef, parseRetryAfter, resolveSecrets, SecretMasker, urlRefusal, defineConnector, defineOperation, type SecretsPort } from '.';

describe('connector sdk', () => {
  it('classifies addresses: loopback, private, link-local, reserved, public (v4, v6, mapped)', () => {
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('10.1.2.3')).toBe('private');
    expect(classifyAddress('172.31.0.1')).toBe('private');
    expect(classifyAddress('172.32.0.1')).toBe('public');
    expect(classifyAddress('192.168.1.1')).toBe('private');
    expect(classifyAddress('fd00::1')).toBe('private');
    expect(classifyAddress('169.254.169.254')).toBe('link-local');
    expect(classifyAddress('fe80::1')).toBe('link-local');
    expect(classifyAddress('::ffff:10.0.0.1')).toBe('private');
    expect(classifyAddress('0.0.0.0')).toBe('reserved');
    expect(classifyAddress('93.184.216.34')).toBe('public');
  });

  it('refuses non-public targets unless their network class is allowed, and hosts off the allow-list', () => {
    expect(addressRefusal('169.254.169.254', { allowNetworks: [] })).toMatch(/link-local/);
    expect(addressRefusal('127.0.0.1', { allowNetworks: ['loopback'] })).toBeUndefined();
    expect(urlRefusal(new URL('http://localhost:1/x'), { allowHosts: [], allowNetworks: [] })).toMatch(/loopback/);
    expect(urlRefusal(new URL('file:///etc/passwd'), { allowHosts: [], allowNetworks: [] })).toMatch(/http/);
    expect(urlRefusal(new URL('https://evil.example/x'), { allowHosts: ['erp.example'], allowNetworks: [] })).toMatch(/allow-list/);
    expect(hostAllowed('api.erp.example', ['*.erp.example'])).toBe(true);
    expect(hostAllowed('erp.example', ['*.erp.example'])).toBe(false);
  });

  it('backs off exponentially with jitter that is never zero, and reads Retry-After', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('resolves {{secrets.NAME}} and {{secrets.NAME.field}} and masks every resolved value', async () => {
    const port: SecretsPort = { get: async (n: string): Promise<Record<string, string> | undefined> => (n === 'erp' ? { value: 's3cr3t-value' } : n === 'db' ? { username: 'u', password: 'pw-123456' } : undefined) };
    const masker = new SecretMasker();
    const out = await resolveSecrets({ h: 'Key {{secrets.erp}}', p: ['{{ secrets.db.password }}'] }, port, masker);
    expect(out).toEqual({ h: 'Key s3cr3t-value', p: ['pw-123456'] });
    expect(masker.mask('got s3cr3t-value and pw-123456')).toBe('got **** and ****');
    await expect(resolveSecrets('{{secrets.nope}}', port, new SecretMasker())).rejects.toThrow(/not defined/);
  });

  it('parses connector references with and without a pinned version', () => {
    expect(parseConnectorRef('inventory.reserve')).toEqual({ connectorId: 'inventory', operationId: 'reserve', version: undefined });
    expect(parseConnectorRef('erp-x@3.getStock')).toEqual({ connectorId: 'erp-x', operationId: 'getStock', version: 3 });
    expect(parseConnectorRef('Bad.op')).toBeUndefined();
  });

  it('generates a Camunda 7 element template per operation from the zod input schema', () => {
    const c = defineConnector({
      id: 'demo',
      version: 2,
      name: 'Demo',
      operations: {
        send: defineOperation({
          name: 'Send',
          input: z.object({ to: z.string().describe('Recipient'), mode: z.enum(['fast', 'slow']).default('slow'), lines: z.array(z.string()), urgent: z.boolean().optional(), copies: z.number().int() }),
          output: z.object({ id: z.string() }),
          execute: async () => ({ id: 'x' }),
        }),
      },
    });
    const [t] = elementTemplatesFor(c);
    expect(t).toMatchObject({ id: 'ordo.connector.demo.send', version: 2, appliesTo: expect.arrayContaining(['bpmn:ServiceTask']) });
    const props = t.scopes[0].properties;
    expect(props[0]).toEqual({ type: 'Hidden', value: 'demo.send', binding: { type: 'property', name: 'connectorId' } });
    expect(props.find((p) => 'name' in p.binding && p.binding.name === 'to')).toMatchObject({ type: 'String', description: 'Recipient', constraints: { notEmpty: true } });
    expect(props.find((p) => 'name' in p.binding && p.binding.name === 'mode')).toMatchObject({ type: 'Dropdown', value: 'slow' });
    expect(props.find((p) => 'name' in p.binding && p.binding.name === 'lines')).toMatchObject({ type: 'Text' });
    // numbers and booleans: the literal or an expression, as the modeler checks it
    const copies = new RegExp(props.find((p) => 'name' in p.binding && p.binding.name === 'copies')!.constraints!.pattern!.value);
    expect(['2', ' 12 ', '${variables.order.copies}'].filter((v) => copies.test(v))).toHaveLength(3);
    expect(['2.5', 'two', ''].filter((v) => copies.test(v))).toEqual([]);
    const urgent = new RegExp(props.find((p) => 'name' in p.binding && p.binding.name === 'urgent')!.constraints!.pattern!.value);
    expect(['true', 'false', '${variables.rush}', 'yes'].map((v) => urgent.test(v))).toEqual([true, true, true, false]);
    expect(props.find((p) => 'name' in p.binding && p.binding.name === 'urgent')!.constraints).not.toHaveProperty('notEmpty');
    expect(props.at(-1)).toMatchObject({ binding: { type: 'camunda:outputParameter', source: '${result}' }, value: 'sendResult' });
  });
});
