use super::util::{attached, clusters, gke_node_pools, resources, Cluster, Provider};
use crate::{Check, Context, Sink};
use stridemap_model::terraform::{TfBlock, TfFile};
use stridemap_model::{InfraType, Location};

/// AWS managed policies that give far more than a node needs.
const BROAD_AWS_POLICIES: &[&str] = &[
    "AdministratorAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "AmazonEC2FullAccess",
    "AmazonS3FullAccess",
    "SecretsManagerReadWrite",
];

/// Azure built-in roles that control the whole scope they are assigned on.
const BROAD_AZURE_ROLES: &[&str] = &["Owner", "Contributor", "User Access Administrator"];

declare_rule! {
    /// ## What it does
    /// Flags cluster nodes whose cloud identity is far broader than a node needs: EKS node
    /// groups whose IAM role has `AdministratorAccess`, `PowerUserAccess`, `IAMFullAccess`
    /// or another full-access managed policy attached; GKE node pools that run as the Compute
    /// Engine default service account (no `service_account` in `node_config`, or the
    /// `…-compute@developer.gserviceaccount.com` account); AKS kubelet identities assigned
    /// `Owner`, `Contributor` or `User Access Administrator`.
    ///
    /// ## Why is this bad?
    /// The node's identity is one HTTP request away from every pod on it (the instance
    /// metadata endpoint) and from anyone who escapes a container. A broad node role turns a
    /// single compromised pod into control of the cloud account; the Compute Engine default
    /// account has the project Editor role unless it was narrowed.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_iam_role_policy_attachment" "nodes_admin" {
    ///   role       = aws_iam_role.nodes.name
    ///   policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_iam_role_policy_attachment" "nodes_worker" {
    ///   role       = aws_iam_role.nodes.name
    ///   policy_arn = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
    /// }
    /// ```
    /// On GKE give node pools a dedicated service account with only logging and monitoring
    /// roles.
    pub struct NodeBroadIam {
        id: "CLOUD-NODE-BROAD-IAM",
        title: "Cluster nodes run with a broad cloud identity",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [250, 269],
        infra: [Terraform],
        equivalents: [],
        attack_scenario: "An attacker in any pod fetches the node's credentials from the instance metadata endpoint and, because the node role is administrative, takes over the cloud account.",
        mitigation: "Give nodes a dedicated identity with only what the kubelet needs (EKS worker, CNI and registry-read policies; GKE logging and monitoring roles; AKS AcrPull), and move workload permissions to per-pod identities.",
    }
}

fn report(
    out: &mut Sink,
    c: &Cluster,
    file: &TfFile,
    at: &TfBlock,
    loc: Location,
    description: String,
) {
    out.report(file.file, loc, description)
        .resource(at.address())
        .resource(c.address.clone())
        .component(c.describe())
        .key(format!("{}:{}", c.address, at.address()))
        .infra(InfraType::Terraform);
}

impl Check for NodeBroadIam {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let attachments = resources(cx.corpus, "aws_iam_role_policy_attachment");
        let roles = resources(cx.corpus, "aws_iam_role");
        let assignments = resources(cx.corpus, "azurerm_role_assignment");
        for c in clusters(cx.corpus) {
            match c.provider {
                Provider::Eks => {
                    for (_, group) in attached(cx.corpus, &c, "aws_eks_node_group", "cluster_name")
                    {
                        let Some(role) = group.value("node_role_arn") else {
                            continue;
                        };
                        for (rf, r) in roles.iter().filter(|(_, r)| role.refers_to(&r.address())) {
                            let address = r.address();
                            let inline = r.value("managed_policy_arns").map(|v| {
                                (
                                    *rf,
                                    *r,
                                    r.attr("managed_policy_arns").map_or(r.loc, |a| a.loc),
                                    v.strings(),
                                )
                            });
                            let attached_policies = attachments
                                .iter()
                                .filter(|(_, a)| {
                                    a.value("role").is_some_and(|v| v.refers_to(&address))
                                })
                                .map(|(af, a)| {
                                    (
                                        *af,
                                        *a,
                                        a.attr("policy_arn").map_or(a.loc, |x| x.loc),
                                        a.value("policy_arn")
                                            .map(|v| v.strings())
                                            .unwrap_or_default(),
                                    )
                                });
                            for (file, at, loc, policies) in
                                inline.into_iter().chain(attached_policies)
                            {
                                let broad: Vec<&str> = policies
                                    .iter()
                                    .filter_map(|p| p.rsplit('/').next())
                                    .filter(|p| BROAD_AWS_POLICIES.contains(p))
                                    .collect();
                                if !broad.is_empty() {
                                    report(out, &c, file, at, loc, format!("node group `{}` of {} runs as IAM role `{address}`, which has {} attached", group.address(), c.describe(), broad.join(", ")));
                                }
                            }
                        }
                    }
                }
                Provider::Gke => {
                    for (file, pool) in gke_node_pools(cx.corpus, &c) {
                        let config = pool.block("node_config");
                        let account = config.and_then(|n| n.value("service_account"));
                        let default = match account {
                            None => true,
                            Some(v) => v.as_str().is_some_and(|s| {
                                s == "default"
                                    || s.ends_with("-compute@developer.gserviceaccount.com")
                            }),
                        };
                        if default {
                            let loc = config.map_or(pool.loc, |n| {
                                n.attr("service_account").map_or(n.loc, |a| a.loc)
                            });
                            let scopes =
                                config
                                    .and_then(|n| n.value("oauth_scopes"))
                                    .is_some_and(|s| {
                                        s.strings().iter().any(|x| x.ends_with("cloud-platform"))
                                    });
                            let which = if std::ptr::eq(pool, c.block) {
                                "the default node pool".to_string()
                            } else if pool.kind == "resource" {
                                format!("node pool `{}`", pool.address())
                            } else {
                                "an inline node pool".to_string()
                            };
                            report(out, &c, file, pool, loc, format!("{which} of {} runs as the Compute Engine default service account{}", c.describe(), if scopes { " with the cloud-platform scope" } else { "" }));
                        }
                    }
                }
                Provider::Aks => {
                    for (file, a) in assignments.iter().filter(|(_, a)| {
                        a.value("principal_id").is_some_and(|p| {
                            p.refers_to(&c.address)
                                && p.references()
                                    .iter()
                                    .any(|r| r.contains("kubelet_identity"))
                        })
                    }) {
                        let Some(role) = a.str("role_definition_name") else {
                            continue;
                        };
                        if BROAD_AZURE_ROLES.contains(&role) {
                            let loc = a.attr("role_definition_name").map_or(a.loc, |x| x.loc);
                            report(
                                out,
                                &c,
                                file,
                                a,
                                loc,
                                format!(
                                    "the kubelet identity of {} is assigned `{role}`",
                                    c.describe()
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}
