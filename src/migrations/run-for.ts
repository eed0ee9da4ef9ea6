import { QueryRunner } from 'typeorm';

/** Runs the statements written for the engine behind this query runner. */
export async function runFor(queryRunner: QueryRunner, statements: { mysql: string[]; sqlite: string[] }): Promise<void> {
  const list = queryRunner.connection.driver.options.type !== 'better-sqlite3' ? statements.mysql : statements.sqlite;
  for (const sql of list) await queryRunner.query(sql);
}
