//! Admission policies that decide which pods may run: Kubernetes PodSecurityPolicy
//! (`policy/v1beta1`, removed in 1.25 but still committed in many repositories) and OpenShift
//! SecurityContextConstraints. A policy that admits a dangerous setting makes it available to
//! every workload the policy is bound to.

mod host_namespace;
pub mod util;

pub mod added_capabilities;
pub mod allows_root;
pub mod capabilities_not_dropped;
pub mod host_ipc;
pub mod host_network;
pub mod host_path;
pub mod host_pid;
pub mod net_raw;
pub mod privilege_escalation;
pub mod privileged;
pub mod seccomp;

pub static RULES: &[&dyn crate::Rule] = &[
    &privileged::PspPrivileged,
    &host_path::PspHostPath,
    &host_network::PspHostNetwork,
    &host_pid::PspHostPid,
    &host_ipc::PspHostIpc,
    &added_capabilities::PspAddedCapabilities,
    &capabilities_not_dropped::PspCapabilitiesNotDropped,
    &net_raw::PspNetRaw,
    &allows_root::PspAllowsRoot,
    &privilege_escalation::PspPrivilegeEscalation,
    &seccomp::PspSeccomp,
];
