use super::util::{attached, clusters, gke_node_pools, resources, Provider};
use crate::rules::network::util::{pod_templates, PodTemplate};
use crate::{Check, Context, Sink};
use std::net::Ipv4Addr;
use stridemap_model::network_policy::{Flavor, Policy, PolicyIndex};
use stridemap_model::{Corpus, InfraType, Node, Severity};

/// The link-local address of the instance metadata service (AWS, GCP and Azure alike).
const METADATA_IP: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);

/// Annotations that only mean something on a cloud provider's cluster.
const CLOUD_ANNOTATIONS: &[&str] = &[
    "eks.amazonaws.com/role-arn",
    "iam.gke.io/gcp-service-account",
    "azure.workload.identity/client-id",
    "service.beta.kubernetes.io/aws-load-balancer-",
    "service.beta.kubernetes.io/azure-load-balancer-",
    "cloud.google.com/",
    "networking.gke.io/",
];

declare_rule! {
    /// ## What it does
    /// Flags workloads of a cluster that runs on a cloud provider (a managed cluster in the
    /// repository's Terraform, or provider-specific annotations in the manifests) whose pods
    /// can reach the instance metadata endpoint `169.254.169.254`: pods on the host network,
    /// and pods that no egress NetworkPolicy restricts, or whose egress rules admit that
    /// address (no destination, or an `ipBlock` / CIDR covering it without excepting it) on
    /// port 80. Pods are considered shielded when every cluster keeps node credentials away
    /// from them: GKE node pools with `workload_metadata_config { mode = "GKE_METADATA" }`,
    /// EKS node groups whose launch template requires IMDSv2 with a hop limit of 1.
    ///
    /// ## Why is this bad?
    /// The metadata endpoint hands out the node's cloud credentials to whoever asks from
    /// the node's network. A compromised pod, or an SSRF in an exposed service, turns into
    /// the node's cloud identity: pulling any image, reading buckets or secrets the node role
    /// may read, and often much more.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: { name: allow-egress, namespace: shop }
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 0.0.0.0/0
    ///             except: [169.254.169.254/32]
    /// ```
    /// Or conceal the node's metadata (GKE_METADATA, IMDSv2 with hop limit 1) and give pods
    /// per-workload identities.
    pub struct MetadataReachable {
        id: "CLOUD-METADATA-REACHABLE",
        title: "Pods can reach the cloud instance metadata endpoint",
        group: SecretsManagement,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [522, 918],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker with code execution in the pod, or an SSRF through it, requests http://169.254.169.254/ and receives the node's temporary cloud credentials, then acts in the cloud account as the node.",
        mitigation: "Block 169.254.169.254 in an egress NetworkPolicy for every namespace, avoid hostNetwork, and conceal node metadata (GKE_METADATA, IMDSv2 with hop limit 1).",
    }
}

/// Whether the repository says the cluster runs on a cloud provider.
fn on_cloud(corpus: &Corpus) -> bool {
    !clusters(corpus).is_empty()
        || corpus.objects.iter().any(|o| {
            o.metadata()
                .and_then(|m| m.get("annotations"))
                .is_some_and(|a| {
                    a.entries()
                        .any(|(k, _, _)| CLOUD_ANNOTATIONS.iter().any(|p| k.starts_with(p)))
                })
        })
}

/// Every managed cluster in the Terraform hides the node's credentials from pods that do not
/// share the node's network.
fn node_metadata_concealed(corpus: &Corpus) -> bool {
    let all = clusters(corpus);
    if all.is_empty() {
        return false;
    }
    let templates = resources(corpus, "aws_launch_template");
    all.iter().all(|c| match c.provider {
        Provider::Gke => gke_node_pools(corpus, c).iter().all(|(_, p)| {
            p.nested(&["node_config", "workload_metadata_config"])
                .and_then(|w| w.str("mode").or(w.str("node_metadata")))
                .is_some_and(|m| m == "GKE_METADATA" || m == "GKE_METADATA_SERVER")
        }),
        Provider::Eks => {
            let groups = attached(corpus, c, "aws_eks_node_group", "cluster_name");
            !groups.is_empty()
                && groups.iter().all(|(_, g)| {
                    let Some(lt) = g.block("launch_template") else {
                        return false;
                    };
                    let reference = lt.value("id").or(lt.value("name"));
                    templates.iter().any(|(_, t)| {
                        reference.is_some_and(|r| r.refers_to(&t.address()))
                            && t.block("metadata_options").is_some_and(|m| {
                                m.str("http_tokens") == Some("required")
                                    && m.str("http_put_response_hop_limit") == Some("1")
                            })
                    })
                })
        }
        Provider::Aks => false,
    })
}

fn cidr_contains(cidr: &str, ip: Ipv4Addr) -> bool {
    let (addr, len) = cidr.trim().split_once('/').unwrap_or((cidr.trim(), "32"));
    let (Ok(addr), Ok(len)) = (addr.parse::<Ipv4Addr>(), len.parse::<u32>()) else {
        return false;
    };
    if len > 32 {
        return false;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(addr) & mask == u32::from(ip) & mask
}

/// A CIDR peer (`cidr` + `except`) that admits the address.
fn block_admits(cidr: Option<&str>, except: Option<&Node>) -> bool {
    cidr.is_some_and(|c| cidr_contains(c, METADATA_IP))
        && !except.is_some_and(|e| {
            e.as_seq()
                .iter()
                .filter_map(Node::as_str)
                .any(|x| cidr_contains(x, METADATA_IP))
        })
}

/// A port list that admits HTTP (port 80/TCP); an absent or empty list admits every port.
fn ports_admit_http(ports: Option<&Node>) -> bool {
    let Some(ports) = ports.filter(|p| !p.as_seq().is_empty()) else {
        return true;
    };
    ports.as_seq().iter().any(|p| {
        let protocol = p.get("protocol").and_then(Node::as_str).unwrap_or("TCP");
        let port = p.get("port");
        protocol.eq_ignore_ascii_case("TCP")
            && match port {
                None => true,
                Some(n) => match n.as_i64() {
                    Some(80) => true,
                    Some(start) => p
                        .get("endPort")
                        .and_then(Node::as_i64)
                        .is_some_and(|end| start <= 80 && 80 <= end),
                    None => n.as_str().is_some_and(|s| s == "80" || s == "http"),
                },
            }
    })
}

/// Whether one egress rule of a policy lets traffic to the metadata address through.
fn rule_admits(policy: &Policy, rule: &Node) -> bool {
    match policy.flavor {
        Flavor::Kubernetes => {
            if !ports_admit_http(rule.get("ports")) {
                return false;
            }
            let Some(to) = rule.get("to").filter(|t| !t.as_seq().is_empty()) else {
                return true;
            };
            to.as_seq().iter().any(|peer| {
                peer.get("ipBlock").is_some_and(|b| {
                    block_admits(b.get("cidr").and_then(Node::as_str), b.get("except"))
                })
            })
        }
        Flavor::Cilium => {
            let ports_ok = rule
                .get("toPorts")
                .is_none_or(|tp| tp.as_seq().iter().any(|p| ports_admit_http(p.get("ports"))));
            if !ports_ok {
                return false;
            }
            let has_peer = [
                "toEndpoints",
                "toCIDR",
                "toCIDRSet",
                "toEntities",
                "toFQDNs",
                "toServices",
                "toGroups",
            ]
            .iter()
            .any(|k| rule.get(k).is_some());
            if !has_peer {
                return true;
            }
            let cidr = rule.get("toCIDR").is_some_and(|l| {
                l.as_seq()
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|c| cidr_contains(c, METADATA_IP))
            });
            let set = rule.get("toCIDRSet").is_some_and(|l| {
                l.as_seq()
                    .iter()
                    .any(|s| block_admits(s.get("cidr").and_then(Node::as_str), s.get("except")))
            });
            let entities = rule.get("toEntities").is_some_and(|l| {
                l.as_seq()
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|e| matches!(e, "world" | "all" | "host" | "remote-node"))
            });
            cidr || set || entities
        }
        Flavor::Calico => {
            if rule.get("action").and_then(Node::as_str) != Some("Allow") {
                return false;
            }
            let Some(dest) = rule.get("destination") else {
                return true;
            };
            match dest.get("nets") {
                Some(nets) => nets
                    .as_seq()
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|c| cidr_contains(c, METADATA_IP)),
                None => dest.get("selector").is_none() && dest.get("namespaceSelector").is_none(),
            }
        }
    }
}

impl Check for MetadataReachable {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        if !on_cloud(cx.corpus) {
            return;
        }
        let concealed = node_metadata_concealed(cx.corpus);
        let index = PolicyIndex::from_corpus(cx.corpus);
        let pods: Vec<PodTemplate> = pod_templates(cx.corpus)
            .into_iter()
            .filter(|p| p.spec.is_some())
            .collect();
        for pod in &pods {
            let object = pod.object;
            let spec = pod.spec.expect("filtered on spec");
            let (loc, description, severity) = if pod.host_network() {
                (
                    spec.key_node("hostNetwork").map_or(spec.loc, |k| k.loc),
                    format!("{} runs on the host network: it reaches the instance metadata endpoint (169.254.169.254) and the node's cloud credentials whatever the NetworkPolicies say", object.resource_id()),
                    Severity::High,
                )
            } else if concealed {
                continue;
            } else {
                let view = pod.view(&index);
                let applying = index.applying_to(&view);
                let isolated = applying.iter().any(|p| p.egress.isolates);
                let admitting: Vec<&&Policy> = applying
                    .iter()
                    .filter(|p| {
                        p.egress.isolates && p.egress.rules.iter().any(|r| rule_admits(p, r))
                    })
                    .collect();
                if !isolated {
                    (
                        spec.loc,
                        format!("no egress NetworkPolicy restricts {}: its pods reach the instance metadata endpoint (169.254.169.254) and the node's cloud credentials", object.resource_id()),
                        Severity::Medium,
                    )
                } else if let Some(p) = admitting.first() {
                    (
                        spec.loc,
                        format!("the egress rules of {} let {} reach the instance metadata endpoint (169.254.169.254) and the node's cloud credentials", p.object.resource_id(), object.resource_id()),
                        Severity::Medium,
                    )
                } else {
                    continue;
                }
            };
            out.report(object.file, loc, description)
                .resource(object.resource_id())
                .component(object.resource_id())
                .key(object.qualified_id())
                .infra(InfraType::Kubernetes)
                .severity(severity);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(cidr_contains("0.0.0.0/0", METADATA_IP));
        assert!(cidr_contains("169.254.0.0/16", METADATA_IP));
        assert!(cidr_contains("169.254.169.254/32", METADATA_IP));
        assert!(cidr_contains("169.254.169.254", METADATA_IP));
        assert!(!cidr_contains("10.0.0.0/8", METADATA_IP));
        assert!(!cidr_contains("nonsense", METADATA_IP));
        assert!(!cidr_contains("1.2.3.4/40", METADATA_IP));
    }
}
