use super::util::{self, Nth, Sources};
use crate::{Check, Context, Sink};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags retries of outbound calls that have no limit or no pause between attempts:
    /// `while True` / `for {}` / `while (true)` loops around an HTTP or gRPC call that leave
    /// only on success, attempt loops without any sleep or backoff, tenacity `@retry` without
    /// `stop=` (it retries forever) or without `wait=`, `backoff` decorators without
    /// `max_tries`/`max_time`, axios-retry without `retryDelay`, p-retry / async-retry with
    /// `forever` or infinite retries, cenkalti/backoff with a zero or constant policy and no
    /// retry cap, Spring `@Retryable` with unbounded attempts, `AlwaysRetryPolicy`. Consumer
    /// poll loops and server accept loops are not retries and are left alone.
    ///
    /// ## Why is this bad?
    /// When a dependency fails, every caller retrying at once without a limit or delay
    /// multiplies its load exactly when it is weakest: a short blip becomes a retry storm that
    /// keeps it down, and the callers burn CPU and connections spinning. An attacker only has to
    /// make one service fail briefly for the amplification to do the rest.
    ///
    /// ## Example
    /// ```python
    /// def fetch_rates():
    ///     while True:
    ///         try:
    ///             return requests.get(RATES_URL, timeout=2).json()
    ///         except requests.RequestException:
    ///             continue
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// @retry(stop=stop_after_attempt(5), wait=wait_exponential_jitter(initial=0.2, max=5))
    /// def fetch_rates():
    ///     return requests.get(RATES_URL, timeout=2).json()
    /// ```
    /// Cap the attempts (or the total time), wait with exponential backoff and jitter between
    /// them, and give up to a fallback or an error once the budget is spent.
    pub struct UnboundedRetry {
        id: "CODE-UNBOUNDED-RETRY",
        title: "Retry without limit or backoff",
        group: DistributedDos,
        stride: DenialOfService,
        severity: High,
        cwe: [400, 770],
        infra: [Code],
        equivalents: [],
        attack_scenario: "An attacker makes a shared dependency fail for a moment; every instance of this service retries immediately and indefinitely, the resulting request flood keeps the dependency down and saturates the callers, turning a brief fault into a system-wide outage.",
        mitigation: "Bound every retry by attempts or elapsed time and wait between attempts with exponential backoff and jitter (tenacity stop=/wait=, backoff max_tries, axios-retry retryDelay, backoff.WithMaxRetries, Spring @Retryable maxAttempts with @Backoff).",
    }
}

impl Check for UnboundedRetry {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let sources = Sources::new(cx);
        for (facts, path) in util::code_files(cx) {
            let mut nth = Nth::default();
            for r in &facts.retries {
                if r.bounded && r.backoff {
                    continue;
                }
                let problem = match (r.bounded, r.backoff) {
                    (false, false) => "with no attempt limit and no delay between attempts",
                    (false, true) => "with no attempt limit or deadline",
                    _ => "with no delay or backoff between attempts",
                };
                let f = out
                    .report(
                        facts.file,
                        r.loc,
                        format!(
                            "`{path}`{} retries {problem} ({}: {}): a failing dependency gets hammered instead of relieved",
                            sources.who(path),
                            r.mechanism,
                            r.detail
                        ),
                    )
                    .key(nth.next(&format!("{path}:{}:{}", r.mechanism, r.detail)));
                if r.bounded {
                    f.severity(Severity::Medium);
                }
                sources.attach(f, path);
            }
        }
    }
}
