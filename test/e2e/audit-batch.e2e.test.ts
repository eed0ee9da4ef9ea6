import { In } from 'typeorm';
import { catalogOf } from '../support/internals';
import { AuditEntryEntity, AuditSubjectEntity } from '../../src/entities/catalog';
import { ENGINES, startTestGateway, TestGateway } from '../support/gateway';

/**
 * Audit entries of concurrent requests share one INSERT (services/audit/entry-batch.ts), each
 * with its subject hashes moved into audit_subjects by the catalog's trigger in that statement.
 */
describe.each(ENGINES)('audit entries written together [%s]', (engine) => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway(engine);
  });
  afterAll(() => t?.close());

  const person = (i: number) => ({ emails: [`p${i}@example.com`], customerIds: [`c${i}`], visitorIds: [`v${i}`, `w${i}`] });

  async function subjectsOf(requestIds: string[]): Promise<Map<string, number>> {
    const catalog = catalogOf(t.gateway.services);
    const entries = await catalog.getRepository(AuditEntryEntity).findBy({ requestId: In(requestIds) });
    const subjects = entries.length ? await catalog.getRepository(AuditSubjectEntity).findBy({ entryKey: In(entries.map((e) => e.entryKey)) }) : [];
    return new Map(entries.map((e) => [e.requestId!, subjects.filter((s) => s.entryKey === e.entryKey).length]));
  }

  it('writes the entries of 8 concurrent requests in 2 statements, each with its subjects, each awaited until written', async () => {
    const { audit, observer } = t.gateway.services;
    const ids = Array.from({ length: 8 }, (_, i) => `batch-${engine}-${i}`);
    observer.reset();
    await Promise.all(ids.map((requestId, i) => audit.record({ principal: null, requestId }, [{ operation: 'Batched', storeId: 'store-x', records: 1, subjects: person(i) }])));
    // The first at once, the seven that arrived while it ran together.
    expect(observer.total((db) => db === 'catalog')).toBe(2);
    const found = await subjectsOf(ids);
    expect(ids.map((id) => found.get(id))).toEqual(ids.map(() => 4));
    // Each caller goes on only once its own entry is there (a response is not sent before).
    const later = ids.map((id) => `${id}-seen`);
    const seen = await Promise.all(
      later.map((requestId, i) => audit.record({ principal: null, requestId }, [{ operation: 'Batched', storeId: 'store-x', subjects: person(i) }]).then(async () => (await subjectsOf([requestId])).get(requestId))),
    );
    expect(seen).toEqual(later.map(() => 4));
  });

  it('writes an entry with more hashes than fit inline, its subjects first', async () => {
    const requestId = `big-${engine}`;
    const many = Array.from({ length: 700 }, (_, i) => `big-${i}`);
    await t.gateway.services.audit.record({ principal: null, requestId }, [{ operation: 'Big', storeId: 'store-x', records: 700, subjects: { emails: [], customerIds: many, visitorIds: [] } }]);
    expect((await subjectsOf([requestId])).get(requestId)).toBe(700);
  });

  if (engine === 'mysql') {
    it('fails only the request whose entry cannot be written when entries share an INSERT', async () => {
      const { audit } = t.gateway.services;
      const ids = Array.from({ length: 4 }, (_, i) => `isolated-${i}`);
      const results = await Promise.allSettled(
        ids.map((requestId, i) =>
          // Entry 2's operation is longer than its column (strict mode refuses it).
          audit.record({ principal: null, requestId }, [{ operation: i === 2 ? 'x'.repeat(100) : 'Isolated', storeId: 'store-x', subjects: person(i) }]),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const found = await subjectsOf(ids);
      expect(ids.map((id) => found.get(id) ?? 0)).toEqual([4, 4, 0, 4]);
    });
  }
});
