use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that serves its insecure HTTP port: `--insecure-port` set to
    /// anything but `0`, or left unset on a release older than 1.20, where it defaulted to
    /// 8080. The release is read from the image tag; unversioned images are taken as current,
    /// where the port no longer exists.
    ///
    /// ## Why is this bad?
    /// Requests on the insecure port bypass authentication and authorization and are sent in
    /// clear text. Any process that can reach it, on the node or through a `hostNetwork` pod,
    /// acts as cluster admin without presenting a credential.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: kube-apiserver
    ///     image: registry.k8s.io/kube-apiserver:v1.18.20
    ///     command:
    ///       - kube-apiserver
    ///       - --insecure-port=8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: kube-apiserver
    ///     image: registry.k8s.io/kube-apiserver:v1.18.20
    ///     command:
    ///       - kube-apiserver
    ///       - --insecure-port=0
    /// ```
    /// Set `--insecure-port=0` on releases before 1.20, and upgrade.
    pub struct InsecurePort {
        id: "CP-INSECURE-PORT",
        title: "API server serves an unauthenticated HTTP port",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [306, 319],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_88", "kics:fa4def8c-1898-4a35-a139-7b76b1acdef0"],
        attack_scenario: "A pod running with hostNetwork on a control-plane node curls http://127.0.0.1:8080 and, without any credential, reads every Secret in the cluster.",
        mitigation: "Set `--insecure-port=0` (releases before 1.20) or upgrade to a release without the insecure port.",
    }
}

impl Check for InsecurePort {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            let what = match inv.value("insecure-port") {
                Some("0") => continue,
                Some(port) => format!("serves unauthenticated HTTP on port {port} (`--insecure-port`)"),
                None => match inv.k8s_version() {
                    Some((1, minor)) if minor < 20 => format!("runs Kubernetes 1.{minor} without `--insecure-port=0`, so unauthenticated HTTP is served on port 8080"),
                    _ => continue,
                },
            };
            inv.report(
                out,
                w,
                inv.loc_of("insecure-port"),
                format!("{} {what}", inv.describe(w)),
            );
        }
    }
}
