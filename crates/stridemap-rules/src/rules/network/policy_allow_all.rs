use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::network_policy::{Direction, PolicyIndex};

declare_rule! {
    /// ## What it does
    /// Flags network policy rules that admit every peer on every port in a direction the policy
    /// isolates: a Kubernetes rule with no `from`/`to` and no `ports` (`ingress: [{}]`), a peer
    /// list containing an empty peer (`from: [{}]`), an unrestricted `namespaceSelector: {}` or
    /// an `ipBlock` of `0.0.0.0/0`; a Calico `Allow` rule with no source or destination
    /// restriction; a Cilium rule allowing the `all` entity or `0.0.0.0/0` on every port.
    ///
    /// ## Why is this bad?
    /// Policies are additive: one allow-everything rule cancels the isolation of every pod the
    /// policy selects, including the isolation a default-deny policy set up. The manifest reads
    /// as "protected" while traffic flows freely.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector: { matchLabels: { app: billing } }
    ///   policyTypes: [Ingress]
    ///   ingress:
    ///     - {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: NetworkPolicy
    /// spec:
    ///   podSelector: { matchLabels: { app: billing } }
    ///   policyTypes: [Ingress]
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: checkout } } }]
    ///       ports: [{ port: 8443 }]
    /// ```
    /// Name the peers and ports the workload really serves or needs.
    pub struct PolicyAllowAll {
        id: "NET-POLICY-ALLOW-ALL",
        title: "Network policy rule allows all traffic",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [923],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "A namespace has a default-deny policy, but an `allow-all` rule added while debugging still selects the same pods; an attacker in any pod of the cluster reaches them as if no policy existed.",
        mitigation: "Replace the allow-all rule with rules that name specific pod, namespace or CIDR peers and ports; delete debugging policies.",
        checklist: ["network.policies"],
    }
}

impl Check for PolicyAllowAll {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let index = PolicyIndex::from_corpus(cx.corpus);
        for p in &index.policies {
            for d in Direction::BOTH {
                let side = p.side(d);
                for &ri in &side.allow_all {
                    let rule = side.rules[ri];
                    on_object(
                        out,
                        p.object,
                        rule.loc,
                        format!(
                            "{} {} rule {} admits every peer on every port, so the pods it selects ({}) are not isolated for {}",
                            p.object.resource_id(),
                            d.as_str(),
                            ri + 1,
                            p.selector.describe(),
                            d.as_str()
                        ),
                    )
                    .key_part(format!("{}[{ri}]", d.as_str()));
                }
            }
        }
    }
}
