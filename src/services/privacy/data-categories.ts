/**
 * S10's data types, defined once: what a report says it holds about a person, what each processing
 * purpose uses, and how the printed report names them. In this order everywhere.
 */
export const DATA_CATEGORIES = ['emailAddress', 'crm', 'orderHistory', 'browsingHistory', 'purchasePreferences'] as const;

export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** How the person's printed report names each category. */
export const CATEGORY_NAMES: Record<DataCategory, string> = {
  emailAddress: 'E-mail address',
  crm: 'Customer details (name, age, gender, city and further attributes)',
  orderHistory: 'Order history (what you bought, when, and for how much)',
  browsingHistory: 'Browsing history (pages you visited, content shown to you, your clicks on it)',
  purchasePreferences: 'Purchase preferences (products and categories you seem to like, worked out from your clicks and purchases)',
};
