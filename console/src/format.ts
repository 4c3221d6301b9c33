/** Minor units as the currency's decimal amount, by ISO 4217 digits (Intl knows them): 1999 BRL → "19.99 BRL". */
export const money = (amount: number | null | undefined, currency: string | null | undefined): string => {
  if (amount === null || amount === undefined || !currency) return '';
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // unknown code: two digits
  }
  const sign = amount < 0 ? '-' : '';
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = digits ? text.slice(0, -digits) : text;
  return `${sign}${whole}${digits ? `.${text.slice(-digits)}` : ''} ${code}`;
};

export const time = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
