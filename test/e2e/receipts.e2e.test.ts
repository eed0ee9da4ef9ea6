import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { ReceiptSigner } from '../../src/services/receipts/receipt-signer';
import { join } from 'node:path';
import { ENGINES, ok, startTestGateway, TEST_RECEIPT_KEY, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { jwksOf, tamper, verifyWithNodeCrypto } from '../support/receipts';

const FORGET = 'mutation($q:String!,$s:ID,$d:Boolean,$r:String){ forgetCustomer(idOrEmail:$q, storeId:$s, dryRun:$d, reference:$r){ requests { id status requestedAt completedAt backupsClearBy receipt } } }';
const ONE = 'query($id:ID!){ forgetRequest(id:$id){ id receipt } }';

const verifyCli = (args: string[]) =>
  new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/verify-receipt.ts', ...args], { cwd: join(__dirname, '..', '..') }, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });

describe.each(ENGINES)('signed receipts [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Receipt Shop');
  });
  afterAll(() => t?.close());

  it('signs a COMPLETED forget over its ledger entry; node:crypto verifies it with the published JWKS; a tampered one fails', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'r-1', email: 'ruth.receipt@example.dk' }] }));
    const [req] = ok(await t.gql(a.key, FORGET, { q: 'ruth.receipt@example.dk', s, r: 'TICKET-42' })).forgetCustomer.requests;
    expect(req.status).toBe('COMPLETED');
    const jwks = await jwksOf(t.url);
    expect(jwks.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' }]);
    const header = JSON.parse(Buffer.from(req.receipt.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'EdDSA', kid: jwks.keys[0].kid, typ: 'privacy-receipt+jws' });
    const payload = verifyWithNodeCrypto(req.receipt, jwks);
    expect(payload).toEqual({
      iss: 'privacy-gateway',
      type: 'forget',
      requestId: req.id,
      storeId: s,
      subjectHash: t.gateway.services.hasher.hash(s, 'email', 'ruth.receipt@example.dk'),
      status: 'COMPLETED',
      counts: { customersDeleted: 1, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0 },
      requestedAt: req.requestedAt,
      completedAt: req.completedAt,
      backupsClearBy: req.backupsClearBy,
      reference: 'TICKET-42',
    });
    // No personal data anywhere in it.
    expect(Buffer.from(req.receipt.split('.')[1], 'base64url').toString()).not.toMatch(/ruth|example\.dk|r-1/);
    expect(verifyWithNodeCrypto(tamper(req.receipt), jwks)).toBeNull();
    // Read again later: the very same receipt.
    expect(ok(await t.gql(a.key, ONE, { id: req.id })).forgetRequest).toEqual({ id: req.id, receipt: req.receipt });
    expect(ok(await t.gql(a.key, ONE, { id: req.id })).forgetRequest.receipt).toBe(req.receipt);

    // Offline, with the CLI (jose), against a saved JWKS file.
    const jwksFile = join(t.config.dataDir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(jwks));
    const good = await verifyCli([req.receipt, '--jwks', jwksFile]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`"requestId": "${req.id}"`);
    const bad = await verifyCli([tamper(req.receipt), '--jwks', jwksFile]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^NOT valid/);
  }, 30_000);

  it('gives no receipt for a dry run, and serves the JWKS without a key', async () => {
    const [dry] = ok(await t.gql(a.key, FORGET, { q: 'nobody@example.dk', s: a.storeIds[0], d: true })).forgetCustomer.requests;
    expect(dry).toEqual(expect.objectContaining({ status: 'DRY_RUN', receipt: null }));
    const res = await fetch(t.url.replace('/graphql', '/.well-known/jwks.json'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });
});

describe('receipt keys', () => {
  it('keeps the generated key in DATA_DIR (0600) across restarts, and publishes previous keys after a rotation', async () => {
    const t = await startTestGateway('sqlite');
    try {
      const file = join(t.config.dataDir, 'receipt-signing-key.pem');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const before = await jwksOf(t.url);
      // Rotation: a new key signs, the old one (here the generated file) stays published.
      const old = readFileSync(file, 'utf8');
      const rotated = await startTestGateway('sqlite', { RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY, RECEIPT_PREVIOUS_KEYS: old });
      try {
        const after = await jwksOf(rotated.url);
        expect(after.keys.map((k) => k.kid)).toEqual([expect.any(String), before.keys[0].kid]);
        expect(after.keys[0].kid).not.toBe(before.keys[0].kid);
      } finally {
        await rotated.close();
      }
    } finally {
      await t.close();
    }
  });

  it('refuses to start on MySQL without RECEIPT_SIGNING_KEY', async () => {
    await expect(ReceiptSigner.load({ engine: 'mysql', dataDir: '/nonexistent' })).rejects.toThrow('RECEIPT_SIGNING_KEY is required with DATABASE_URL');
    await expect(ReceiptSigner.load({ engine: 'sqlite', dataDir: '/nonexistent', signingKeyPem: 'not a key' })).rejects.toThrow('RECEIPT_SIGNING_KEY must be an Ed25519 private key');
  });
});
