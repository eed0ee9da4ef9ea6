import type { PlaygroundExample } from './playground';

/**
 * The demo seed's first customer (`src/services/demo/demo-seed.service.ts`): a fixed e-mail
 * address, three orders, and visitor `V1` + her number, in the first demo store.
 */
export const DEMO_SUBJECT = { email: 'anna.jensen@example.dk', visitorId: 'V10001' } as const;

/** The examples with the demo data filled in: every tab runs as it is. */
export function demoPlaygroundExamples(storeId: string | null, now = new Date()): PlaygroundExample[] {
  return playgroundExamples(storeId, DEMO_SUBJECT.email, DEMO_SUBJECT.visitorId, now);
}

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The analysts' ranges, in UTC, around `now`: the last 90 days, the last 12 months, this month. */
export function analystRanges(now: Date) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const thisMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return {
    days: { from: iso(today - 89 * DAY_MS), to: iso(today + DAY_MS) },
    year: { from: iso(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)), to: iso(nextMonth) },
    month: { from: iso(thisMonth), to: iso(nextMonth) },
  };
}

/**
 * The playground's ready-made tabs, one per example; GraphiQL names each tab after its
 * operation. With demo data they run as they are; otherwise the variables show what to fill in.
 * Each opens with a comment saying which scopes it needs: a key without PERSONAL_DATA_READ
 * still runs the profile examples and gets the personal fields back as null, with a FORBIDDEN
 * error at each of their paths.
 */
export function playgroundExamples(storeId: string | null, email: string | null, visitorId: string | null = null, now = new Date()): PlaygroundExample[] {
  const store = storeId ?? '<store ID>';
  const ranges = analystRanges(now);
  const who = email ?? '<e-mail or customer ID>';
  const visitor = visitorId ?? '<visitor ID>';
  return [
    {
      title: 'Profile by e-mail',
      query: `# A shopper's profile, by e-mail address or customer ID.
# Run: the ▶ button or Ctrl-Enter. Your API key goes in
# the Headers tab below (then ⟳, left, reloads the Docs).
#
# Needs PROFILES_READ. E-mail, CRM and the visit log are
# personal: they also need PERSONAL_DATA_READ. Without it
# they come back null, with a FORBIDDEN error each.
query Profile($storeId: ID!, $idOrEmail: String!) {
  customer(storeId: $storeId, idOrEmail: $idOrEmail) {
    id
    email
    crm { age gender city }
    orders(first: 5) {
      totalCount
      edges { node { id createdAt total currency lines { productId quantity unitPrice } } }
      pageInfo { hasNextPage endCursor }
    }
    visitors {
      id firstSeenAt lastSeenAt
      log(first: 5) { edges { node { type url productId occurredAt } } pageInfo { hasNextPage endCursor } }
    }
    preferences { topProducts { productId score } topCategories { name score } }
  }
}`,
      variables: { storeId: store, idOrEmail: who },
    },
    {
      title: 'Customers page',
      query: `# A store's customers, 20 at a time, by customer ID. Next
# page: copy pageInfo.endCursor into "after" (Variables).
# Needs PROFILES_READ; e-mail needs PERSONAL_DATA_READ.
query CustomersPage($storeId: ID!, $after: String) {
  customers(storeId: $storeId, first: 20, after: $after) {
    totalCount
    edges { node { id email orders(first: 0) { totalCount } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
      variables: { storeId: store, after: null },
    },
    {
      title: "A visitor's log",
      query: `# A visitor ID (a browser the tracking script saw) and its
# visit log, newest first.
# Needs PROFILES_READ; the log needs PERSONAL_DATA_READ.
query VisitorLog($storeId: ID!, $visitorId: ID!, $after: String) {
  visitor(storeId: $storeId, id: $visitorId) {
    id
    firstSeenAt
    lastSeenAt
    customer { id }
    log(first: 20, after: $after) {
      totalCount
      edges { node { occurredAt type url productId contentId durationSeconds } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`,
      variables: { storeId: store, visitorId: visitor, after: null },
    },
    {
      title: 'Orders',
      query: `# A store's orders, newest first. The orders of forgotten
# people stay, anonymized.
# Needs PROFILES_READ; e-mail needs PERSONAL_DATA_READ.
query Orders($storeId: ID!) {
  orders(storeId: $storeId, first: 20) {
    totalCount
    edges { node { id createdAt email customer { id } total currency anonymized lines { productId quantity unitPrice } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
      variables: { storeId: store },
    },
    {
      title: 'Privacy report',
      query: `# Everything held about one person in every store the key
# reaches (GDPR Art. 15, 20); "storeId" picks one store.
# Purposes, recipients, retention and sources are what
# Art. 15 asks for beside the data. Add the field \`json\` for
# the report as one document, \`html\` for a page to hand to
# the person. All of it is personal: needs PERSONAL_DATA_READ
# (without it the answer is a single FORBIDDEN error).
query PrivacyReport($idOrEmail: String!, $storeId: ID) {
  privacyReport(idOrEmail: $idOrEmail, storeId: $storeId) {
    generatedAt
    stores {
      store { id name }
      dataCategories
      customers { id email name crm { age gender city attributes } createdAt updatedAt }
      orders { id createdAt total currency anonymized lines { productId quantity unitPrice } }
      visitors { id firstSeenAt lastSeenAt retentionMonths retainedUntil }
      events { occurredAt type url productId contentId durationSeconds }
      preferences { topProducts { productId score } topCategories { name score } }
      purposes { id description dataCategories }
      recipients { name legalEntity location inEea transferMechanism purpose }
      retention { rule otherData backups }
      sources { kind records description }
    }
  }
}`,
      variables: { idOrEmail: who },
    },
    {
      title: 'GDPR dashboard',
      query: `# The company's GDPR dashboard: the sub-processors its
# stores need (inUse) and the data types each store holds,
# with the counts behind them. Any key.
query GdprDashboard {
  company {
    name
    gdprDashboard {
      subProcessors {
        inUse
        usedBy { store { name } products }
        subProcessor { name legalEntity purpose location country inEea transferMechanism dataCategories }
      }
      stores {
        store { id name }
        emailAddress crm orderHistory browsingHistory purchasePreferences
        counts { emailAddresses customersWithCrm orders visitors customersWithPreferences }
        location { database backup }
      }
    }
  }
}`,
    },
    {
      title: 'Forget ledger',
      query: `# The forget ledger, newest first: status, times and counts
# per store. It never names the person. Needs FORGET.
query ForgetLedger($storeId: ID, $after: String) {
  forgetRequests(storeId: $storeId, first: 20, after: $after) {
    totalCount
    edges {
      node {
        id status requestedAt completedAt backupsClearBy alreadyForgotten failure
        customersDeleted ordersAnonymized visitorsDeleted eventsDeleted
        store { id name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
      variables: { storeId: null, after: null },
    },
    {
      title: 'Forget a person (dry run)',
      query: `# !!! DESTRUCTIVE when run for real: erases the person's
# profile, CRM attributes, visitor IDs and visit log, and
# anonymizes their orders. It cannot be undone.
# Needs FORGET.
#
# As given it is a DRY RUN ("dryRun": true): it counts
# what would be erased and changes nothing (it leaves an
# audit entry). To really forget the person, set
# "dryRun": false in the Variables below and run again;
# the request then shows in the ForgetLedger tab. Without
# "storeId" it forgets them in every store it reaches.
mutation ForgetCustomer($idOrEmail: String!, $storeId: ID, $dryRun: Boolean = true) {
  forgetCustomer(idOrEmail: $idOrEmail, storeId: $storeId, dryRun: $dryRun) {
    requests {
      id status alreadyForgotten failure backupsClearBy
      customersDeleted ordersAnonymized visitorsDeleted eventsDeleted
      store { id name }
    }
  }
}`,
      variables: { idOrEmail: who, storeId: store, dryRun: true },
    },
    {
      title: 'Daily stats',
      query: `# Orders, buyers, revenue, visitors and events per day
# (UTC) over the last 90 days, computed by the database:
# counts and sums only, no personal data. Needs only
# PROFILES_READ. "interval": WEEK or MONTH for longer
# buckets (at most 366 per query). Amounts are exact
# decimal strings, per currency.
#
# Then press "Chart" above for orders and revenue per day,
# or "Download CSV" for the buckets as a spreadsheet.
query DailyStats($storeId: ID!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval = DAY) {
  storeStats(storeId: $storeId, from: $from, to: $to, interval: $interval) {
    buckets {
      start orders customers
      revenue { currency amount }
      visitors
      events { pageViews contentViews clicks }
    }
  }
}`,
      variables: { storeId: store, ...ranges.days, interval: 'DAY' },
    },
    {
      title: 'Top products',
      query: `# The products sold most (units) over the last 12 months,
# with name, category and exact revenue per currency, and
# orders and revenue per month beside them.
# Needs only PROFILES_READ; no personal data.
query TopProducts($storeId: ID!, $from: DateTime!, $to: DateTime!) {
  storeStats(storeId: $storeId, from: $from, to: $to, interval: MONTH) {
    topProducts(first: 10) {
      product { id name category }
      quantity
      revenue { currency amount }
    }
    buckets { start orders revenue { currency amount } }
  }
}`,
      variables: { storeId: store, ...ranges.year },
    },
    {
      title: 'Orders in a date range',
      query: `# This month's orders, newest first: "from" inclusive,
# "to" exclusive; totalCount counts the range. totalAmount
# is exact ("1234.50"); lines name their products.
# Needs PROFILES_READ; e-mail needs PERSONAL_DATA_READ.
# "Download CSV" above exports the page shown.
query OrdersInRange($storeId: ID!, $from: DateTime, $to: DateTime, $after: String) {
  orders(storeId: $storeId, from: $from, to: $to, first: 50, after: $after) {
    totalCount
    edges {
      node {
        id createdAt totalAmount currency anonymized email
        lines { quantity unitPrice product { id name category } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
      variables: { storeId: store, ...ranges.month, after: null },
    },
    {
      title: 'Forget ledger of the month',
      query: `# This store's forget requests, newest first, for the
# monthly report to the data-protection officer: status,
# times, counts and your reference; never the person.
# Needs FORGET. \`from\` is inclusive, \`to\` exclusive; add
# \`status: FAILED\` for the ones to retry.
query MonthlyForgetLedger($storeId: ID, $from: DateTime, $to: DateTime, $after: String) {
  forgetRequests(storeId: $storeId, from: $from, to: $to, first: 100, after: $after) {
    totalCount
    edges {
      node {
        id status found reference requestedAt completedAt backupsClearBy alreadyForgotten
        customersDeleted ordersAnonymized visitorsDeleted eventsDeleted
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
      variables: { storeId: store, ...ranges.month, after: null },
    },
    {
      title: 'Company and stores',
      query: `# Who is calling (the key's scopes) and the stores it
# reaches. Any key.
query CompanyAndStores {
  viewer { apiKeyId scopes company { id name } }
  company { id name stores { id name settings { collectEmails products } } }
}`,
    },
  ];
}
