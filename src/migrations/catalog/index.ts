import { Initial1795914924157 } from './1795914924157-Initial';
import { ForgetLedgerSuppressionAudit1795915115907 } from './1795915115907-ForgetLedgerSuppressionAudit';
import { StoreSettingsAndSubProcessors1795916021953 } from './1795916021953-StoreSettingsAndSubProcessors';
import { PurgeRuns1795918104182 } from './1795918104182-PurgeRuns';
import { LeasesPurgePositionsOutOfCatalog1796135360996 } from './1796135360996-LeasesPurgePositionsOutOfCatalog';
import { AuditSubjectsAndKeyNames1796135386282 } from './1796135386282-AuditSubjectsAndKeyNames';
import { ForgetRequestFoundReference1796135429717 } from './1796135429717-ForgetRequestFoundReference';
import { StoreCredentials1796136716326 } from './1796136716326-StoreCredentials';
import { StoreDeletionShopifyWebhooks1796137527470 } from './1796137527470-StoreDeletionShopifyWebhooks';
import { WebhookDeliveries1796137608854 } from './1796137608854-WebhookDeliveries';
import { CatalogVersionAndAuditSubjectList1796144318554 } from './1796144318554-CatalogVersionAndAuditSubjectList';

/** In order; each runs on every catalog database at start and with `npm run migrate`. */
export const CATALOG_MIGRATIONS = [
  Initial1795914924157,
  ForgetLedgerSuppressionAudit1795915115907,
  StoreSettingsAndSubProcessors1795916021953,
  PurgeRuns1795918104182,
  LeasesPurgePositionsOutOfCatalog1796135360996,
  AuditSubjectsAndKeyNames1796135386282,
  ForgetRequestFoundReference1796135429717,
  StoreCredentials1796136716326,
  StoreDeletionShopifyWebhooks1796137527470,
  WebhookDeliveries1796137608854,
  CatalogVersionAndAuditSubjectList1796144318554,
];
