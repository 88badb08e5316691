use super::util::{self, Nth, Sources};
use crate::{Check, Context, Sink};
use std::collections::HashSet;
use stridemap_model::code::{CallKind, HandlerKind};

declare_rule! {
    /// ## What it does
    /// Flags HTTP and gRPC calls that visibly set no timeout — `requests.get(url)` without
    /// `timeout=`, Go's `http.Get` or a zero-value `http.Client`, axios/fetch without `timeout`
    /// or an abort signal, a `RestTemplate` built without timeouts — when they sit on a
    /// synchronous request path: inside a route handler, or in a service that serves HTTP routes
    /// itself. Clients configured elsewhere (the code does not say) and background workers that
    /// serve no requests are left alone.
    ///
    /// ## Why is this bad?
    /// A request thread waiting on a downstream service that never answers stays blocked for as
    /// long as the TCP connection lives. When that dependency slows down, every in-flight request
    /// piles up behind it, the caller's worker pool and connection pool run dry, and the outage
    /// climbs the call chain to the edge: one slow service takes the whole system down.
    ///
    /// ## Example
    /// ```python
    /// @app.get("/orders/<oid>")
    /// def get_order(oid):
    ///     stock = requests.get(f"http://inventory:8080/stock/{oid}").json()
    ///     return jsonify(stock)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// @app.get("/orders/<oid>")
    /// def get_order(oid):
    ///     stock = requests.get(f"http://inventory:8080/stock/{oid}", timeout=(1, 3)).json()
    ///     return jsonify(stock)
    /// ```
    /// Give every outbound call a connect and read timeout shorter than the caller's own
    /// deadline (or propagate a context deadline), and add a circuit breaker in front of
    /// dependencies that can stall.
    pub struct NoTimeout {
        id: "CODE-NO-TIMEOUT",
        title: "Outbound call without timeout on a request path",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Medium,
        cwe: [400, 1088],
        infra: [Code],
        equivalents: [],
        attack_scenario: "An attacker slows one downstream dependency (or simply floods it) so it stops answering; every request that reaches this handler blocks on the call without a deadline, the service's workers and sockets are exhausted, and its own callers start failing in turn.",
        mitigation: "Set explicit connect and read timeouts on every HTTP/gRPC client (timeout=, http.Client{Timeout}, context.WithTimeout, axios timeout, RestTemplate request factory timeouts) and protect slow dependencies with circuit breakers.",
    }
}

impl Check for NoTimeout {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let sources = Sources::new(cx);
        // Services (or single files) that serve HTTP routes.
        let mut serving: HashSet<String> = HashSet::new();
        for (facts, path) in util::code_files(cx) {
            if !facts.routes.is_empty() {
                serving.insert(match sources.owner(path) {
                    Some(o) => o.id.clone(),
                    None => path.to_string(),
                });
            }
        }
        for (facts, path) in util::code_files(cx) {
            let serves = serving.contains(&match sources.owner(path) {
                Some(o) => o.id.clone(),
                None => path.to_string(),
            });
            let mut nth = Nth::default();
            for call in &facts.calls {
                if !matches!(call.kind, CallKind::Http | CallKind::Grpc)
                    || call.has_timeout != Some(false)
                {
                    continue;
                }
                let handler = facts
                    .handlers_at(call.loc)
                    .find(|h| h.kind == HandlerKind::Request);
                if handler.is_none() && !serves {
                    continue;
                }
                let target = util::show(&call.target);
                let place = match handler {
                    Some(h) => format!("in request handler `{}`", h.name),
                    None => "in a service that serves HTTP requests".to_string(),
                };
                let method = call
                    .method
                    .as_deref()
                    .map_or(String::new(), |m| format!("{m} "));
                let f = out
                    .report(
                        facts.file,
                        call.loc,
                        format!(
                            "`{path}`{} calls {method}`{target}` with {} {place} without a timeout: a stalled dependency blocks the request and exhausts the service's workers",
                            sources.who(path),
                            call.library
                        ),
                    )
                    .key(nth.next(&format!("{path}:{}:{target}", call.library)));
                if let Some(h) = handler {
                    f.also_at(facts.file, h.loc);
                }
                sources.attach(f, path);
            }
        }
    }
}
