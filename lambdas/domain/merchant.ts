/** A merchant account and the records of its API keys (hashes only). */
export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
}

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly merchantId: string;
  readonly secretHash: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
}

/** Who is calling, as established by the authorizer and handed to every merchant endpoint. */
export interface MerchantPrincipal {
  readonly merchantId: string;
  readonly keyId: string;
}
