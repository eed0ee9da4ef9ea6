import express, { Router } from 'express';
import type { Logger } from '../logging';
import { scrubPersonal } from '../logging';
import type { ShopifyWebhookService } from '../services/integrations/shopify-webhook.service';

/** Shopify's compliance payloads are small; anything larger is not one of them. */
const MAX_WEBHOOK_BYTES = 256_000;

/**
 * POST /webhooks/shopify, outside GraphQL: the raw body is needed byte for byte (the HMAC is over
 * it), and Shopify authenticates with its signature, not an API key. 200 once recorded in the
 * queue (or recorded before: a retry is done once); 401 and nothing recorded when the signature
 * is wrong or missing.
 */
export function shopifyWebhookRouter(service: ShopifyWebhookService, log: Logger): Router {
  const router = Router();
  router.post('/webhooks/shopify', express.raw({ type: () => true, limit: MAX_WEBHOOK_BYTES }), async (req, res) => {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    try {
      const refusal = await service.receive({
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        hmac: header('x-shopify-hmac-sha256'),
        topic: header('x-shopify-topic'),
        shopDomain: header('x-shopify-shop-domain'),
        webhookId: header('x-shopify-webhook-id'),
      });
      if (refusal) res.status(refusal.status).json({ error: refusal.message });
      else res.status(200).json({ status: 'recorded' });
    } catch (err) {
      log.error({ err: scrubPersonal(String(err)) }, 'shopify webhook could not be recorded');
      res.status(500).json({ error: 'not recorded; retry' });
    }
  });
  return router;
}
