import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { registerEnumType } from 'type-graphql';
import { Scope } from '../../auth/scope';
import { EVENT_TYPES } from '../../entities/store/visit-event.entity';

export const DateTimeScalar = DateTimeResolver;
export const JSONObjectScalar = JSONObjectResolver;

registerEnumType(Scope, {
  name: 'Scope',
  description: 'What an API key may do.',
  valuesConfig: {
    PROFILES_READ: { description: 'Read profiles, orders, counts and preferences (personal fields withheld).' },
    PERSONAL_DATA_READ: { description: 'Read personal fields: e-mail, name, CRM attributes, visitor logs, privacy reports.' },
    FORGET: { description: 'Forget a person and replay forget requests.' },
    INGEST: { description: 'Send customers, events and orders.' },
    SETTINGS_WRITE: { description: 'Create stores and change store settings.' },
    KEYS_ADMIN: { description: 'Create, list and revoke API keys.' },
    AUDIT_READ: { description: 'Read the audit log.' },
  },
});

/** Event kinds as a GraphQL enum; the values are the strings stored in the database. */
export enum EventTypeEnum {
  PAGE_VIEW = 'PAGE_VIEW',
  CONTENT_VIEW = 'CONTENT_VIEW',
  CLICK = 'CLICK',
}
// Keep the enum and the stored vocabulary in lockstep.
const stored: readonly string[] = EVENT_TYPES;
if (Object.values(EventTypeEnum).some((v) => !stored.includes(v))) throw new Error('EventTypeEnum out of sync');

registerEnumType(EventTypeEnum, {
  name: 'EventType',
  description: 'What happened in a visit.',
  valuesConfig: {
    PAGE_VIEW: { description: 'A page of the shop was viewed.' },
    CONTENT_VIEW: { description: 'Content shown by the platform (recommendations, search results) was seen.' },
    CLICK: { description: 'A click on content shown by the platform.' },
  },
});
