use super::util::{annotation_node, ingress_auth, name_loc, Refs};
use crate::helpers::{key_loc, on_object};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags entry points that accept plaintext HTTP from outside:
    ///
    /// - an Ingress without a `tls` section and without a controller annotation that
    ///   terminates TLS elsewhere (ALB `certificate-arn` with an HTTPS listener, GKE
    ///   pre-shared or managed certificates, Application Gateway certificates, Traefik
    ///   `router.tls`, ingress-nginx `force-ssl-redirect`, Kong `protocols: https`), or one
    ///   with TLS whose `ssl-redirect` is switched off;
    /// - an Istio Gateway server on plain `HTTP` without `tls.httpsRedirect: true`;
    /// - a Gateway API Gateway with no `HTTPS` or `TLS` listener at all.
    ///
    /// ## Why is this bad?
    /// Traffic between clients and the edge crosses networks nobody in the project controls.
    /// Over plain HTTP, session cookies, bearer tokens, basic-auth passwords and the data
    /// itself can be read and altered by anyone on the path — public Wi-Fi, a compromised
    /// router, a hostile ISP.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    /// spec:
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: shop
    ///                 port:
    ///                   number: 80
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    ///   annotations:
    ///     cert-manager.io/cluster-issuer: letsencrypt
    /// spec:
    ///   tls:
    ///     - hosts: [shop.example.com]
    ///       secretName: shop-tls
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: shop
    ///                 port:
    ///                   number: 80
    /// ```
    /// Terminate TLS at the entry point and redirect plain HTTP to HTTPS.
    pub struct NoTls {
        id: "GW-NO-TLS",
        title: "Entry point accepts plaintext HTTP",
        group: ApiGateway,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [319],
        infra: [Kubernetes, Istio],
        equivalents: [],
        attack_scenario: "An attacker on the same public network as a user captures the session cookie or bearer token sent over plain HTTP to the ingress and replays it to act as that user.",
        mitigation: "Add a `tls` section (certificates from cert-manager or the cloud), redirect HTTP to HTTPS, and enable HSTS at the entry point.",
    }
}

/// Whether the controller terminates TLS for this Ingress by annotation, without `spec.tls`.
fn tls_by_annotation(o: &K8sObject) -> bool {
    let has = |k: &str| o.annotation(k).is_some_and(|v| !v.trim().is_empty());
    let is = |k: &str, want: &str| {
        o.annotation(k)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(want))
    };
    if has("alb.ingress.kubernetes.io/certificate-arn") {
        let ports = o
            .annotation("alb.ingress.kubernetes.io/listen-ports")
            .unwrap_or("");
        let https = ports.contains("HTTPS");
        let plain = ports.contains("\"HTTP\"") || ports.is_empty();
        return https && (!plain || has("alb.ingress.kubernetes.io/ssl-redirect"));
    }
    has("ingress.gcp.kubernetes.io/pre-shared-cert")
        || has("networking.gke.io/managed-certificates")
        || has("appgw.ingress.kubernetes.io/appgw-ssl-certificate")
        || is("traefik.ingress.kubernetes.io/router.tls", "true")
        || o.annotation("traefik.ingress.kubernetes.io/router.entrypoints")
            .is_some_and(|e| {
                e.split(',')
                    .map(str::trim)
                    .all(|p| p == "websecure" || p == "https")
            })
        || is("nginx.ingress.kubernetes.io/force-ssl-redirect", "true")
        || is("ingress.kubernetes.io/force-ssl-redirect", "true")
        || is("konghq.com/protocols", "https")
        || is("kubernetes.io/ingress.allow-http", "false")
}

impl NoTls {
    fn ingresses(&self, cx: &Context, refs: &Refs, out: &mut Sink) {
        for o in cx.corpus.objects_of(&["Ingress"]) {
            let Some(spec) = o.root.get("spec") else {
                continue;
            };
            let tls = spec.get("tls").is_some_and(|t| !t.as_seq().is_empty());
            let auth = ingress_auth(cx, refs, o);
            let severity = if auth.is_some() {
                Severity::High
            } else {
                Severity::Medium
            };
            let creds = if auth.is_some() {
                ", and the credentials its authentication checks travel in the clear"
            } else {
                ""
            };
            if tls {
                if let Some(off) = annotation_node(o, "nginx.ingress.kubernetes.io/ssl-redirect")
                    .filter(|v| v.as_str().is_some_and(|s| s.trim() == "false"))
                {
                    on_object(
                        out,
                        o,
                        off.loc,
                        format!(
                            "{} has TLS but turns the HTTPS redirect off, so its hosts are also served over plain HTTP{creds}",
                            o.resource_id()
                        ),
                    )
                    .title("Entry point serves plain HTTP alongside TLS")
                    .severity(severity);
                }
                continue;
            }
            if tls_by_annotation(o) {
                continue;
            }
            on_object(
                out,
                o,
                key_loc(spec, "tls"),
                format!(
                    "{} has no `tls` section and no annotation that terminates TLS, so clients reach it over plain HTTP{creds}",
                    o.resource_id()
                ),
            )
            .severity(severity);
        }
    }

    fn istio_gateways(&self, cx: &Context, out: &mut Sink) {
        for g in cx
            .corpus
            .objects_of(&["Gateway"])
            .filter(|g| g.api_version.starts_with("networking.istio.io"))
        {
            for (i, server) in g
                .root
                .path(&["spec", "servers"])
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let Some(proto) = server.path(&["port", "protocol"]) else {
                    continue;
                };
                let p = proto.as_str().unwrap_or("").to_ascii_uppercase();
                if !matches!(p.as_str(), "HTTP" | "HTTP2" | "GRPC") {
                    continue;
                }
                let redirect = server
                    .path(&["tls", "httpsRedirect"])
                    .and_then(Node::as_bool)
                    == Some(true);
                if redirect {
                    continue;
                }
                let port = server
                    .path(&["port", "number"])
                    .and_then(Node::as_str)
                    .unwrap_or("?");
                on_object(
                    out,
                    g,
                    proto.loc,
                    format!(
                        "Istio Gateway/{} serves port {port} over plain {p} without redirecting to HTTPS",
                        g.name
                    ),
                )
                .key_part(format!("servers[{i}]"))
                .infra(InfraType::Istio);
            }
        }
    }

    fn gateway_api(&self, cx: &Context, out: &mut Sink) {
        for g in cx
            .corpus
            .objects_of(&["Gateway"])
            .filter(|g| g.api_version.starts_with("gateway.networking.k8s.io"))
        {
            let listeners = g
                .root
                .path(&["spec", "listeners"])
                .map(Node::as_seq)
                .unwrap_or(&[]);
            let proto = |l: &Node| {
                l.get("protocol")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_ascii_uppercase()
            };
            if listeners
                .iter()
                .any(|l| matches!(proto(l).as_str(), "HTTPS" | "TLS"))
            {
                continue;
            }
            let Some(plain) = listeners.iter().find(|l| proto(l) == "HTTP") else {
                continue;
            };
            let loc = plain.get("protocol").map_or(name_loc(g), |p| p.loc);
            on_object(
                out,
                g,
                loc,
                format!(
                    "Gateway/{} listens only on plain HTTP, with no HTTPS or TLS listener",
                    g.name
                ),
            );
        }
    }
}

impl Check for NoTls {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let refs = Refs::new(cx.corpus);
        self.ingresses(cx, &refs, out);
        self.istio_gateways(cx, out);
        self.gateway_api(cx, out);
    }
}
