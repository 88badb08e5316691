use super::util::{is_role, policy_rules, Hit, PolicyRule, CSR_APPROVAL, SIGNER_APPROVE};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags Roles and ClusterRoles that can approve certificate signing requests: `update` on
    /// `certificatesigningrequests/approval` together with `approve` on `signers` (both in
    /// `certificates.k8s.io`), possibly in different rules. An `approve` rule limited with
    /// `resourceNames` to signers outside `kubernetes.io/` is not counted.
    ///
    /// ## Why is this bad?
    /// An approved CSR for the `kubernetes.io/kube-apiserver-client` signer is a client
    /// certificate the API server trusts, for whatever user and groups the request names —
    /// `system:masters` included. A subject that can both create and approve CSRs can mint
    /// itself a cluster-admin certificate that cannot be revoked short of rotating the cluster
    /// CA.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: cert-bot
    /// rules:
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["certificatesigningrequests/approval"]
    ///     verbs: ["update"]
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["signers"]
    ///     verbs: ["approve"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: cert-bot
    /// rules:
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["certificatesigningrequests/approval"]
    ///     verbs: ["update"]
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["signers"]
    ///     resourceNames: ["example.com/internal-mtls"]
    ///     verbs: ["approve"]
    /// ```
    /// Limit approval to the custom signer the controller is responsible for.
    pub struct RbacCsrApprove {
        id: "RBAC-CSR-APPROVE",
        title: "RBAC role can approve certificate signing requests",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [269, 295],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_156"],
        attack_scenario: "An attacker with the role submits a CSR for user `admin` in group `system:masters` to the kube-apiserver-client signer, approves it, and authenticates with the issued certificate as a permanent cluster administrator.",
        mitigation: "Remove CSR approval from the role, or restrict `approve` with `resourceNames` to a custom signer that does not issue API server client certificates.",
    }
}

/// `approve` on signers, unless the rule names only signers outside `kubernetes.io/`.
fn signer_hits<'a>(rule: &PolicyRule<'a>) -> Vec<Hit<'a>> {
    if rule.is_full_wildcard() {
        return Vec::new();
    }
    if rule.scoped_by_name {
        let names: Vec<(&str, &Node)> = rule
            .node
            .get("resourceNames")
            .map(Node::strings)
            .unwrap_or_default();
        if !names
            .iter()
            .any(|(n, _)| n.starts_with("kubernetes.io/") || n.contains('*'))
        {
            return Vec::new();
        }
    }
    rule.grants(SIGNER_APPROVE)
}

impl Check for RbacCsrApprove {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        let rules = policy_rules(o);
        let approval: Vec<Hit> = rules
            .iter()
            .flat_map(|r| r.dangerous_grants(CSR_APPROVAL))
            .collect();
        let signers: Vec<Hit> = rules.iter().flat_map(signer_hits).collect();
        let (Some(a), Some(s)) = (approval.first(), signers.first()) else {
            return;
        };
        on_object(
            out,
            o,
            a.resource.loc,
            format!(
                "{} can both update CSR approvals and `approve` for signers: its holders can issue themselves client certificates for any identity",
                o.resource_id()
            ),
        )
        .also_at(o.file, s.resource.loc);
    }
}
