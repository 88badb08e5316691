use crate::helpers::{on_object, on_service};
use crate::{Check, Context, Sink};
use std::net::IpAddr;
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags pods and Compose services that take name resolution of internal services out of
    /// the cluster's hands:
    ///
    /// - `dnsPolicy: None` with `dnsConfig.nameservers` that include a public resolver
    ///   (an address outside private, shared, loopback and link-local ranges): every lookup,
    ///   cluster service names included, goes to a server outside the cluster;
    /// - `hostAliases` entries that pin the name of a Service of the repository (`orders`,
    ///   `orders.shop`, `orders.shop.svc.cluster.local`), any `*.svc.cluster.local` name or the
    ///   API server's `kubernetes.default` names to a fixed address;
    /// - Compose `extra_hosts` entries that pin the name of another service of the same file.
    ///
    /// Private nameservers (a corporate resolver) and aliases for external names are left
    /// alone. CoreDNS configuration is not judged: forwarding and plugins there are normal
    /// operations and cannot be told apart from abuse without the cluster's intent.
    ///
    /// ## Why is this bad?
    /// Services find each other by name. A pinned alias bypasses the Service: traffic keeps going
    /// to an old or arbitrary address that nobody reviews when the Service moves, and whoever
    /// controls that address receives the requests and their credentials. A public resolver
    /// sees every internal name the pod looks up and, over unauthenticated UDP, can be spoofed
    /// to answer with an attacker's address.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostAliases:
    ///     - ip: 203.0.113.7
    ///       hostnames: ["payments", "payments.shop.svc.cluster.local"]
    ///   containers:
    ///     - name: orders
    ///       image: registry.example.com/shop/orders:2.3.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: orders
    ///       image: registry.example.com/shop/orders:2.3.0
    /// ```
    /// Let cluster DNS resolve service names; point an external name at a target with an
    /// `ExternalName` Service instead of an alias, and keep `dnsPolicy: ClusterFirst` (or list
    /// only resolvers you operate).
    pub struct DnsPolicy {
        id: "DISC-DNS-POLICY",
        title: "Service names resolved outside cluster DNS",
        group: ServiceDiscovery,
        stride: Spoofing,
        severity: Medium,
        cwe: [923, 345],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "The orders pod pins `payments` to 203.0.113.7 with a host alias added during a migration; the address is later released and taken over by an attacker, who receives the order service's payment calls with their API keys.",
        mitigation: "Remove host aliases and extra_hosts entries for internal services, resolve them through cluster DNS, and use only nameservers you operate when dnsPolicy is None.",
    }
}

impl Check for DnsPolicy {
    fn check_workload(&self, w: &Workload, cx: &Context, out: &mut Sink) {
        let o = w.object;
        let policy = w.spec.get("dnsPolicy").and_then(Node::as_str);
        if policy == Some("None") {
            let servers = w
                .spec
                .path(&["dnsConfig", "nameservers"])
                .map(Node::strings)
                .unwrap_or_default();
            let public: Vec<(&str, &Node)> =
                servers.into_iter().filter(|(s, _)| is_public(s)).collect();
            if let Some((_, first)) = public.first() {
                let list: Vec<&str> = public.iter().map(|(s, _)| *s).collect();
                on_object(
                    out,
                    o,
                    first.loc,
                    format!(
                        "{} uses `dnsPolicy: None` with public nameserver {}: lookups of cluster service names leave the cluster and their answers come from outside",
                        o.resource_id(),
                        list.join(", ")
                    ),
                )
                .key_part("nameservers");
            }
        }
        let Some(aliases) = w.spec.get("hostAliases") else {
            return;
        };
        let ns = w.namespace();
        for alias in aliases.as_seq() {
            let ip = alias.get("ip").and_then(Node::as_str).unwrap_or("?");
            for (host, node) in alias
                .get("hostnames")
                .map(Node::strings)
                .unwrap_or_default()
            {
                let Some(what) = internal_name(cx, host, ns) else {
                    continue;
                };
                let f = on_object(
                    out,
                    o,
                    node.loc,
                    format!(
                        "{} pins {what} `{host}` to {ip} with hostAliases, bypassing cluster DNS and the Service",
                        o.resource_id()
                    ),
                )
                .key_part(format!("hostAliases:{host}"));
                if what == "the API server name" {
                    f.severity(Severity::High);
                }
            }
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let Some(extra) = service.get("extra_hosts") else {
            return;
        };
        let entries: Vec<(String, String, &Node)> = if extra.is_map() {
            extra
                .entries()
                .map(|(k, _, v)| (k.to_string(), v.as_str().unwrap_or("?").to_string(), v))
                .collect()
        } else {
            extra
                .strings()
                .into_iter()
                .filter_map(|(s, n)| {
                    let (h, ip) = s.split_once([':', '='])?;
                    Some((h.trim().to_string(), ip.trim().to_string(), n))
                })
                .collect()
        };
        for (host, ip, node) in entries {
            let Some(other) = compose.services().find(|s| {
                s.name != service.name
                    && (s.name.eq_ignore_ascii_case(&host)
                        || ["container_name", "hostname"].iter().any(|k| {
                            s.get(k)
                                .and_then(Node::as_str)
                                .is_some_and(|n| n.eq_ignore_ascii_case(&host))
                        }))
            }) else {
                continue;
            };
            on_service(
                out,
                compose,
                service,
                node.loc,
                format!(
                    "Compose service `{}` pins `{host}`, the name of service `{}`, to {ip} with extra_hosts, bypassing the network's DNS",
                    service.name, other.name
                ),
            )
            .key_part(format!("extra_hosts:{host}"));
        }
    }
}

/// Why a host alias name is internal: a Service of the repository, a cluster DNS name, or the
/// API server's name.
fn internal_name(cx: &Context, host: &str, namespace: &str) -> Option<&'static str> {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if matches!(
        h.as_str(),
        "kubernetes"
            | "kubernetes.default"
            | "kubernetes.default.svc"
            | "kubernetes.default.svc.cluster.local"
    ) {
        return Some("the API server name");
    }
    for svc in cx.corpus.objects_of(&["Service"]) {
        let name = svc.name.to_ascii_lowercase();
        let svc_ns = svc.namespace.as_deref();
        let same_ns = svc_ns.is_none_or(|n| n == namespace);
        let qualified = |ns: &str| {
            [
                format!("{name}.{ns}"),
                format!("{name}.{ns}.svc"),
                format!("{name}.{ns}.svc.cluster.local"),
            ]
        };
        let matches = (same_ns && h == name)
            || qualified(svc_ns.unwrap_or(namespace)).contains(&h)
            || (svc_ns.is_none()
                && h.starts_with(&format!("{name}."))
                && h.ends_with(".svc.cluster.local"));
        if matches {
            return Some("the name of Service");
        }
    }
    if h.ends_with(".svc.cluster.local") || h.ends_with(".svc") {
        return Some("the cluster DNS name");
    }
    None
}

/// An IP address outside private, shared, loopback, link-local and documentation-free
/// internal ranges.
fn is_public(text: &str) -> bool {
    let Ok(ip) = text.trim().parse::<IpAddr>() else {
        return false;
    };
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn public_resolvers() {
        assert!(is_public("8.8.8.8"));
        assert!(is_public("2606:4700:4700::1111"));
        assert!(!is_public("10.96.0.10"));
        assert!(!is_public("192.168.1.1"));
        assert!(!is_public("100.64.0.10"));
        assert!(!is_public("fd00::53"));
        assert!(!is_public("dns.example"));
    }
}
