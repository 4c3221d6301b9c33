/** The operator API's answers, as the console reads them (lambdas/shared/http/*presenters.ts). */
export interface Review {
  readonly reasons: readonly string[];
  readonly hits: readonly { readonly entryId: string; readonly matchedName: string; readonly score: number; readonly programs: readonly string[] }[];
  readonly decision: 'approve' | 'reject' | null;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly note: string | null;
}

export interface PayoutJson {
  readonly id: string;
  readonly merchant_id: string;
  readonly status: string;
  readonly amount: number;
  readonly currency: string;
  readonly rail: string;
  readonly reference: string | null;
  readonly beneficiary_id: string;
  readonly failure_code: string | null;
  readonly created_at: string;
  readonly review: Review | null;
}

export interface PaymentJson {
  readonly id: string;
  readonly merchant_id: string;
  readonly status: string;
  readonly amount: number;
  readonly currency: string;
  readonly amount_received: number;
  readonly amount_refunded: number;
  readonly capture_method?: string;
  readonly failure_code?: string | null;
  readonly created_at: string;
  /** What risk screening decided, operators only (lambdas/shared/http/operations-presenters.ts presentPaymentRisk). */
  readonly risk?: PaymentRiskJson | null;
}

export interface PaymentRiskJson {
  readonly decision: 'approve' | 'review' | 'decline';
  readonly score: number;
  /** The ids of the rules that matched. */
  readonly reasons: readonly string[];
  /** The rule set version that decided: `platform/1`, `merchant/3`. */
  readonly rules: string | null;
  readonly review: { readonly decision: 'approved' | 'refunded'; readonly by: string; readonly at: string; readonly note: string | null } | null;
}

export interface PaymentEventJson {
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: Record<string, unknown>;
}

export interface LedgerTransactionJson {
  readonly id: string;
  readonly kind: string;
  readonly description: string;
  readonly created_at: string;
  readonly reverses: string | null;
  readonly entries: readonly { readonly account: string; readonly side: string; readonly amount: number; readonly currency: string }[];
}

export interface ExecutionJson {
  readonly state_machine: string;
  readonly name: string;
  readonly execution_arn: string;
  readonly status: string;
  readonly start_date: string;
  readonly stop_date: string | null;
  readonly error: string | null;
  readonly path: readonly { readonly state: string; readonly entered_at: string; readonly exited_at: string | null; readonly errors: readonly string[] }[];
}

export interface List<T> {
  readonly data: readonly T[];
  readonly has_more: boolean;
}

/** GET /v1/health's figures (lambdas/handlers/ops/get-health.ts). */
export interface HealthFiguresJson {
  readonly payments_per_second: number;
  readonly authorization_rate: number | null;
  readonly latency_p50_ms: number | null;
  readonly latency_p99_ms: number | null;
  readonly server_errors: number;
  readonly function_errors: number;
  readonly throttles: number;
}

/** GET /v1/alarms (lambdas/handlers/ops/list-alarms.ts, decision 0050). */
export interface AlarmJson {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly state: 'ALARM' | 'INSUFFICIENT_DATA' | 'OK';
  readonly since: string;
  readonly reason: string;
  readonly description: string;
  readonly runbook: { readonly document: string; readonly section: string } | null;
}

export interface AlarmReportJson {
  readonly object: 'alarm_report';
  readonly counts: { readonly alarm: number; readonly insufficient_data: number; readonly ok: number };
  readonly data: readonly AlarmJson[];
}

export interface PlatformHealthJson {
  readonly object: 'platform_health';
  readonly start: string;
  readonly end: string;
  readonly minutes: number;
  readonly totals: HealthFiguresJson & { readonly payments_requested: number; readonly payments_authorized: number; readonly payments_failed_unauthorized: number };
  readonly per_minute: readonly (HealthFiguresJson & { readonly at: string })[];
}
