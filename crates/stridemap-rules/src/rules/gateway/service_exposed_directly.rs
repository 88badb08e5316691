use super::util::{external_exposure, service_backends, service_tier, workload_objects, Tier};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags a Service of type `LoadBalancer` (without an internal-only annotation), `NodePort`,
    /// or with `externalIPs`, when the workloads it selects are internal services rather than a
    /// gateway, ingress controller or user-facing front end. The verdict comes from the
    /// architecture: the Service's entry point and the workloads it reaches, their images,
    /// names and roles, and whether other services call them. When the selected pods are not
    /// in the scan, only a name that marks sensitive data or operator tooling counts.
    ///
    /// ## Why is this bad?
    /// The gateway is where authentication, rate limiting, request validation and the WAF
    /// live. A Service that gives an internal API its own public address skips all of it:
    /// anyone who finds the IP talks to the service directly, with whatever trust the service
    /// places in traffic that "must have come through the gateway".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: payment-api
    /// spec:
    ///   type: LoadBalancer
    ///   selector:
    ///     app: payment
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: payment-api
    /// spec:
    ///   type: ClusterIP
    ///   selector:
    ///     app: payment
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: payment
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/auth-url: https://auth.example.com/oauth2/auth
    ///     nginx.ingress.kubernetes.io/limit-rps: "20"
    /// spec:
    ///   tls:
    ///     - hosts: [pay.example.com]
    ///       secretName: pay-tls
    ///   rules:
    ///     - host: pay.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: payment-api
    ///                 port:
    ///                   number: 80
    /// ```
    /// Keep internal services on `ClusterIP` and publish them only through the gateway, where
    /// authentication and rate limits apply.
    pub struct ServiceExposedDirectly {
        id: "GW-SERVICE-EXPOSED-DIRECTLY",
        title: "Internal service directly exposed outside the cluster",
        group: ApiGateway,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [284, 306],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker scans the cloud provider's address ranges, finds the load balancer of the payment API and calls it directly, skipping the gateway's authentication and rate limits to enumerate or replay transactions.",
        mitigation: "Change the Service to ClusterIP and route external traffic through the ingress or API gateway, with authentication and rate limiting configured there.",
        checklist: ["network.no-direct-load-balancer"],
    }
}

impl Check for ServiceExposedDirectly {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for o in cx.corpus.objects_of(&["Service"]) {
            let Some((exposure, node)) = external_exposure(o) else {
                continue;
            };
            let backends = service_backends(cx.arch, o, exposure);
            let Tier::Internal { critical, why } = service_tier(cx, o, &backends) else {
                continue;
            };
            let what = if backends.is_empty() {
                "its pods".to_string()
            } else {
                let names: Vec<String> = backends.iter().map(|b| format!("`{}`", b.name)).collect();
                names.join(", ")
            };
            let f = on_object(
                out,
                o,
                node.loc,
                format!(
                    "{} exposes {what} on {} with no gateway in front: {why}, and callers skip the gateway's authentication and rate limiting",
                    o.resource_id(),
                    exposure.describe()
                ),
            );
            for b in &backends {
                f.component(format!("{} ({})", b.name, b.kinds.join(", ")));
                for w in workload_objects(cx.corpus, b) {
                    f.resource(w.resource_id()).also_at(w.file, w.root.loc);
                }
            }
            if !critical {
                f.severity(Severity::High);
            }
        }
    }
}
