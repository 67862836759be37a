// The `_id` lookup index of tools/ferretdb (idindex.go) against the FerretDB the suite runs on:
// keyed reads are answered from it, collections created at any time get it, and clients never
// see it. FerretDB's SQLite explain returns SQLite's EXPLAIN QUERY PLAN lines under
// queryPlanner.Plan; that text is what these tests read. Skipped on a real MongoDB.
import { MongoClient, ObjectId, type Db, type Document } from 'mongodb';
import { waitUntil } from '../../../scripts/harness.mjs';
import { uniqueName } from '../../../test/support/http.js';

const INDEX_PREFIX = '_ferretdb_id_lookup_';

const client = await MongoClient.connect(process.env.MONGO_URL!);
// FerretDB's buildInfo (and serverStatus) carry ferretdbVersion; MongoDB's do not. The FerretDB
// the suite starts (scripts/infra.mjs) always runs the SQLite handler.
const onFerretDb = 'ferretdbVersion' in (await client.db('admin').command({ buildInfo: 1 }));

let db: Db;

beforeAll(() => {
  db = client.db();
});

afterAll(() => client.close());

/** The SQLite plan FerretDB reports for `command` (a find). */
async function plan(command: Document): Promise<string> {
  const explained = await db.command({ explain: command });
  return (explained.queryPlanner?.Plan as string[] | undefined)?.join('\n') ?? '';
}

/**
 * Waits until the plan of `command` searches through the lookup index. A FerretDB connection
 * that has run nothing since the index was created still plans EXPLAIN with the schema it had
 * (SQLite re-reads the schema when a statement runs, and EXPLAIN runs none), so each poll
 * also runs a keyed read, as every real query would.
 */
async function waitForIndexedPlan(command: {
  find: string;
  filter: Document;
  limit: number;
}): Promise<string> {
  return waitUntil(
    async () => {
      await db.collection(command.find).findOne({ _id: 'absent' as never });
      const text = await plan(command);
      return text.includes(`USING INDEX ${INDEX_PREFIX}`) ? text : null;
    },
    {
      what: `the plan of ${JSON.stringify(command)} to use the _id lookup index`,
      timeoutMs: 15_000,
      intervalMs: 200,
    },
  );
}

const describeOnFerretDb = onFerretDb ? describe : describe.skip;

describeOnFerretDb('the _id lookup index of FerretDB (SQLite)', () => {
  it('answers find({_id: string}).limit(1) on a collection created after FerretDB started', async () => {
    const name = uniqueName('idx');
    const collection = db.collection<{ _id: string; n: number }>(name);
    await collection.insertMany(Array.from({ length: 200 }, (_, n) => ({ _id: `k${n}`, n })));

    const text = await waitForIndexedPlan({ find: name, filter: { _id: 'k150' }, limit: 1 });

    expect(text).toMatch(new RegExp(`SEARCH \\S+ USING INDEX ${INDEX_PREFIX}\\S+ \\(<expr>=\\?\\)`));
    expect(text).not.toMatch(/\bSCAN\b/);
    expect(await collection.findOne({ _id: 'k150' })).toEqual({ _id: 'k150', n: 150 });
  });

  it('answers ObjectId keys from it, and keyed updates and deletes still find their document', async () => {
    const name = uniqueName('idx');
    const collection = db.collection<{ _id: ObjectId; n: number }>(name);
    const ids = Array.from({ length: 50 }, () => new ObjectId());
    await collection.insertMany(ids.map((_id, n) => ({ _id, n })));

    await waitForIndexedPlan({ find: name, filter: { _id: ids[10] }, limit: 1 });

    // FerretDB's explain plans an update or a delete with an empty filter (it reads `filter`,
    // which those commands lack), so their plans say nothing. Their SQL (UPDATE … / DELETE …
    // WHERE _ferretdb_sjson->'$._id' = ?) uses the expression of the find above, so the same
    // index; docs/decisions/ferretdb.md has the measured costs.
    expect((await collection.updateOne({ _id: ids[20] }, { $set: { n: -1 } })).modifiedCount).toBe(1);
    expect((await collection.deleteOne({ _id: ids[30] })).deletedCount).toBe(1);
    expect(await collection.findOne({ _id: ids[20] })).toEqual({ _id: ids[20], n: -1 });
    expect(await collection.findOne({ _id: ids[30] })).toBeNull();
    expect(await collection.countDocuments()).toBe(49);
  });

  it('is indexed again when a dropped collection is created again', async () => {
    const name = uniqueName('idx');
    const collection = db.collection<{ _id: string }>(name);
    await collection.insertOne({ _id: 'a' });
    await waitForIndexedPlan({ find: name, filter: { _id: 'a' }, limit: 1 });

    await collection.drop();
    await collection.insertOne({ _id: 'b' });

    await waitForIndexedPlan({ find: name, filter: { _id: 'b' }, limit: 1 });
  });

  it('stays out of listIndexes, createIndexes and dropIndexes', async () => {
    const name = uniqueName('idx');
    const collection = db.collection<{ _id: string; v: number }>(name);
    await collection.insertMany([
      { _id: 'a', v: 1 },
      { _id: 'b', v: 2 },
    ]);
    await waitForIndexedPlan({ find: name, filter: { _id: 'a' }, limit: 1 });

    const names = async () => (await collection.listIndexes().toArray()).map((index) => index.name as string);
    expect(await names()).toEqual(['_id_']);
    await collection.createIndex({ v: 1 }, { name: 'v_1' });
    expect(await names()).toEqual(['_id_', 'v_1']);
    await collection.dropIndexes();
    expect(await names()).toEqual(['_id_']);

    // Dropping every index the client knows leaves this one in place.
    await waitForIndexedPlan({ find: name, filter: { _id: 'b' }, limit: 1 });
  });
});
