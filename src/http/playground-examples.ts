import type { PlaygroundExample } from './playground';

/**
 * The playground's ready-made tabs. With demo data they run as they are; otherwise the
 * variables show what to fill in.
 */
export function playgroundExamples(storeId: string | null, email: string | null): PlaygroundExample[] {
  const store = storeId ?? '<store ID>';
  const who = email ?? '<e-mail or customer ID>';
  return [
    {
      title: 'Profile by e-mail',
      query: `# A shopper's profile, found by e-mail address or customer ID (S2, S3, S11)
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
      query: `query Customers($storeId: ID!, $after: String) {
  customers(storeId: $storeId, first: 20, after: $after) {
    totalCount
    edges { node { id email } }
    pageInfo { hasNextPage endCursor }
  }
}`,
      variables: { storeId: store },
    },
    {
      title: 'Orders',
      query: `query Orders($storeId: ID!) {
  orders(storeId: $storeId, first: 20) {
    totalCount
    edges { node { id email customer { id } total currency anonymized lines { productId quantity unitPrice } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
      variables: { storeId: store },
    },
    {
      title: 'Company and stores',
      query: `query {
  viewer { apiKeyId scopes company { id name } }
  company { id name stores { id name settings { collectEmails products } } }
}`,
    },
  ];
}
