import { MigrationInterface, QueryRunner } from 'typeorm';
import { runFor } from '../run-for';

// The api_keys columns whose change can change what a key may do (all but lastUsedAt, which
// every read refreshes once a minute and must not empty every instance's cache).
const KEY_COLUMNS = ['id', 'name', 'companyId', 'storeIds', 'scopes', 'operator', 'secretHash', 'createdByKeyId', 'createdAt', 'revokedAt'];
const BUMP_MYSQL = 'UPDATE `catalog_version` SET `version` = `version` + 1 WHERE `id` = 1';
const BUMP_SQLITE = 'UPDATE "catalog_version" SET "version" = "version" + 1 WHERE "id" = 1';
/** Tables whose every insert, update and delete moves the catalog version (api_keys: see KEY_COLUMNS). */
const WATCHED = [
  ['api_keys', 'keys'],
  ['stores', 'stores'],
  ['store_credentials', 'credentials'],
] as const;
const EVENTS = [
  ['INSERT', 'ins'],
  ['UPDATE', 'upd'],
  ['DELETE', 'del'],
] as const;

function versionTriggers(engine: 'mysql' | 'sqlite'): string[] {
  const out: string[] = [];
  for (const [table, short] of WATCHED) {
    for (const [event, e] of EVENTS) {
      const name = `catalog_version_${short}_${e}`;
      const keyUpdate = table === 'api_keys' && event === 'UPDATE';
      if (engine === 'mysql') {
        const body = keyUpdate ? `BEGIN IF NOT (${KEY_COLUMNS.map((c) => `OLD.\`${c}\` <=> NEW.\`${c}\``).join(' AND ')}) THEN ${BUMP_MYSQL}; END IF; END` : BUMP_MYSQL;
        out.push(`CREATE TRIGGER \`${name}\` AFTER ${event} ON \`${table}\` FOR EACH ROW ${body}`);
      } else {
        const when = keyUpdate ? ` WHEN NOT (${KEY_COLUMNS.map((c) => `OLD."${c}" IS NEW."${c}"`).join(' AND ')})` : '';
        out.push(`CREATE TRIGGER "${name}" AFTER ${event} ON "${table}" FOR EACH ROW${when} BEGIN ${BUMP_SQLITE}; END`);
      }
    }
  }
  return out;
}

const TRIGGER_NAMES = WATCHED.flatMap(([, short]) => EVENTS.map(([, e]) => `catalog_version_${short}_${e}`));

/**
 * The catalog version row and its triggers (see CatalogVersionEntity), and audit_log.subjectList:
 * an entry and its subject hashes in one INSERT, moved into audit_subjects by a trigger in the
 * same statement (see AuditEntryEntity.subjectList).
 */
export class CatalogVersionAndAuditSubjectList1796144318554 implements MigrationInterface {
  name = 'CatalogVersionAndAuditSubjectList1796144318554';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runFor(queryRunner, {
      mysql: [
        "CREATE TABLE `catalog_version` (`id` int NOT NULL, `version` int NOT NULL DEFAULT '0', PRIMARY KEY (`id`)) ENGINE=InnoDB",
        'INSERT INTO `catalog_version` (`id`, `version`) VALUES (1, 0)',
        'ALTER TABLE `audit_log` ADD `subjectList` text NULL',
        ...versionTriggers('mysql'),
        // BEFORE: the row is written with subjectList already NULL (MySQL refuses an UPDATE of
        // the table a trigger fires on); the subjects' INSERT is part of the same statement.
        "CREATE TRIGGER `audit_log_subject_list` BEFORE INSERT ON `audit_log` FOR EACH ROW BEGIN IF NEW.`subjectList` IS NOT NULL THEN INSERT INTO `audit_subjects` (`hash`, `entryKey`) SELECT j.`hash`, NEW.`entryKey` FROM JSON_TABLE(NEW.`subjectList`, '$[*]' COLUMNS (`hash` varchar(64) PATH '$')) AS j; SET NEW.`subjectList` = NULL; END IF; END",
      ],
      sqlite: [
        'CREATE TABLE "catalog_version" ("id" integer PRIMARY KEY NOT NULL, "version" integer NOT NULL DEFAULT (0))',
        'INSERT INTO "catalog_version" ("id", "version") VALUES (1, 0)',
        'ALTER TABLE "audit_log" ADD COLUMN "subjectList" text',
        ...versionTriggers('sqlite'),
        // SQLite cannot change NEW in a BEFORE trigger: the list is cleared right after the insert, in the same statement.
        'CREATE TRIGGER "audit_log_subject_list" AFTER INSERT ON "audit_log" FOR EACH ROW WHEN NEW."subjectList" IS NOT NULL BEGIN INSERT INTO "audit_subjects" ("hash", "entryKey") SELECT value, NEW."entryKey" FROM json_each(NEW."subjectList"); UPDATE "audit_log" SET "subjectList" = NULL WHERE "id" = NEW."id"; END',
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runFor(queryRunner, {
      mysql: [
        'DROP TRIGGER `audit_log_subject_list`',
        ...TRIGGER_NAMES.map((n) => `DROP TRIGGER \`${n}\``),
        'ALTER TABLE `audit_log` DROP COLUMN `subjectList`',
        'DROP TABLE `catalog_version`',
      ],
      sqlite: [
        'DROP TRIGGER "audit_log_subject_list"',
        ...TRIGGER_NAMES.map((n) => `DROP TRIGGER "${n}"`),
        'ALTER TABLE "audit_log" DROP COLUMN "subjectList"',
        'DROP TABLE "catalog_version"',
      ],
    });
  }
}
