/** Prints the schema as SDL: `npm run schema` writes it to schema.graphql. */
import 'reflect-metadata';
import { createSchema, printSchemaSdl } from '../src/schema';

createSchema()
  .then((schema) => process.stdout.write(printSchemaSdl(schema)))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
