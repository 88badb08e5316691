//! Shared body of the three host-namespace policy rules (network, PID, IPC).

use super::util::Policy;
use crate::Sink;
use stridemap_model::k8s::K8sObject;

/// Reports a policy whose `psp` (PSP) / `scc` (SCC) flag lets pods join a host namespace.
pub fn check(o: &K8sObject, psp: &'static str, scc: &'static str, what: &str, out: &mut Sink) {
    let Some(p) = Policy::of(o) else { return };
    if let Some(flag) = p.enabled(psp, scc) {
        let field = p.field_name(psp, scc);
        p.report(
            out,
            flag.loc,
            format!(
                "{} admits pods that share the node's {what} ({field}: true)",
                p.id()
            ),
        );
    }
}
