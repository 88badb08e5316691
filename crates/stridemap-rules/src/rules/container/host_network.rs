use super::host_namespace::{check_pod, check_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags pods with `hostNetwork: true` and Compose services with `network_mode: host`.
    ///
    /// ## Why is this bad?
    /// The container sees and binds the node's network interfaces: it can sniff traffic on the
    /// node, reach services bound to localhost (the kubelet, cloud metadata proxies, node
    /// agents), and sidesteps NetworkPolicies, which do not apply to host-network pods.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   containers:
    ///     - name: exporter
    ///       image: registry.example.com/exporter:0.9.1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: exporter
    ///       image: registry.example.com/exporter:0.9.1
    ///       ports:
    ///         - containerPort: 9100
    /// ```
    /// Expose the port through a Service instead of the node's network.
    pub struct HostNetwork {
        id: "CTR-HOST-NETWORK",
        title: "Workload shares the host network namespace",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [653, 668],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_19",
            "kics:6b6bdfb3-c3ae-44cb-88e4-7405c1ba2c8a",
            "kics:071a71ff-f868-47a4-ac0b-3c59e4ab5443",
            "kube-linter:host-network",
        ],
        attack_scenario: "An attacker who compromises the container sniffs the node's traffic and calls node-local services such as the kubelet or the cloud metadata endpoint, bypassing every NetworkPolicy.",
        mitigation: "Remove `hostNetwork: true` (Compose: `network_mode: host`) and publish ports through a Service or port mapping.",
        checklist: ["pod.no-host-namespaces"],
    }
}

impl Check for HostNetwork {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        check_pod(w, "hostNetwork", "network namespace", out);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        check_service(compose, service, "network_mode", "network namespace", out);
    }
}
