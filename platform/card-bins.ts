/**
 * The issuing country of card BINs (first six digits), which routing rules can match on (`bin_country`,
 * docs/decisions/0027-merchant-routing-rules.md). In production this table is the BIN file the acquirers
 * deliver (same shape: BIN → ISO 3166-1 alpha-2 country), loaded here at deploy; locally it holds the
 * simulated issuers' BINs (docs/simulators.md): the common test cards are US-issued, and `4` + the ISO 3166
 * numeric code + `00` is a card of that country (`407600`: Brazil). A BIN not in the table has no known
 * country, and a rule with a `bin_country` condition never matches it.
 */
export const binCountries: Readonly<Record<string, string>> = {
  '424242': 'US',
  '555555': 'US',
  '400000': 'US',
  '410000': 'US',
  '407600': 'BR',
  '412400': 'CA',
  '427600': 'DE',
  '425000': 'FR',
  '482600': 'GB',
  '439200': 'JP',
  '448400': 'MX',
};

export const binCountryOf = (bin: string): string | undefined => binCountries[bin];
