use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags pods that set sysctls outside Kubernetes' safe, namespaced set
    /// (`securityContext.sysctls`), and PodSecurityPolicies that allow unsafe sysctls.
    ///
    /// ## Why is this bad?
    /// Unsafe sysctls are not isolated per pod: `kernel.msgmax`, `kernel.sem`, `vm.*` and most
    /// `net.*` settings change the node's kernel for every workload on it, can exhaust shared
    /// kernel resources or weaken network protections of the neighbours.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   sysctls:
    ///     - name: kernel.msgmax
    ///       value: "65536"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   sysctls:
    ///     - name: net.ipv4.ip_local_port_range
    ///       value: "32768 60999"
    /// ```
    /// Tune node-wide kernel settings on dedicated nodes through node configuration instead.
    pub struct UnsafeSysctl {
        id: "CTR-UNSAFE-SYSCTL",
        title: "Pod sets an unsafe sysctl",
        group: ContainerSecurity,
        stride: DenialOfService,
        severity: Medium,
        cwe: [1188, 400],
        infra: [Kubernetes],
        equivalents: ["kics:9127f0d9-2310-42e7-866f-5fd9d20dcbad", "kube-linter:unsafe-sysctls"],
        attack_scenario: "An attacker who can deploy or compromise the pod changes node-wide kernel parameters, exhausting shared kernel resources or weakening network protections for every other workload on the node.",
        mitigation: "Use only the safe, namespaced sysctls in pod specs; apply node-level kernel tuning through node configuration on dedicated nodes.",
    }
}

/// Sysctls Kubernetes considers namespaced and safe to set per pod.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

impl Check for UnsafeSysctl {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let sysctls = w
            .security_context()
            .and_then(|sc| sc.get("sysctls"))
            .map(Node::as_seq)
            .unwrap_or(&[]);
        for s in sysctls {
            let Some(name) = s.get("name").and_then(Node::as_str) else {
                continue;
            };
            // `net/ipv4/tcp_syncookies` is the slash spelling of `net.ipv4.tcp_syncookies`.
            if !SAFE_SYSCTLS.contains(&name.replace('/', ".").as_str()) {
                on_object(
                    out,
                    w.object,
                    s.loc,
                    format!("{} sets the unsafe sysctl {name}", w.object.resource_id()),
                )
                .key_part(name);
            }
        }
    }

    fn check_object(&self, object: &K8sObject, _cx: &Context, out: &mut Sink) {
        if object.kind != "PodSecurityPolicy" {
            return;
        }
        for (name, node) in object
            .root
            .path(&["spec", "allowedUnsafeSysctls"])
            .map(Node::strings)
            .unwrap_or_default()
        {
            on_object(
                out,
                object,
                node.loc,
                format!("{} allows the unsafe sysctl {name}", object.resource_id()),
            )
            .key_part(name);
        }
    }
}
