//! Network segmentation and exposure: network policy coverage (Kubernetes, Cilium, Calico),
//! dangling selectors, cluster add-ons that hand out control (Dashboard, Tiller), risky ports,
//! storage shared between Compose services, and TLS certificate verification turned off in
//! builds and runtimes.

pub(crate) mod util;

pub mod cni_no_policy_support;
pub mod dashboard;
pub mod mount_propagation;
pub mod no_default_deny;
pub mod no_policy;
pub mod one_way_isolation;
pub mod policy_allow_all;
pub mod policy_peer_selects_nothing;
pub mod policy_selects_nothing;
pub mod privileged_port;
pub mod selector_mismatch;
pub mod shared_volume;
pub mod ssh_port;
pub mod tiller;
pub mod tiller_listen;
pub mod tls_client;
pub mod tls_package;
pub mod tls_runtime;

pub static RULES: &[&dyn crate::Rule] = &[
    &no_policy::NoNetworkPolicy,
    &no_default_deny::NoDefaultDeny,
    &one_way_isolation::OneWayIsolation,
    &policy_selects_nothing::PolicySelectsNothing,
    &policy_peer_selects_nothing::PolicyPeerSelectsNothing,
    &policy_allow_all::PolicyAllowAll,
    &cni_no_policy_support::CniNoPolicySupport,
    &selector_mismatch::ServiceSelectorMismatch,
    &dashboard::KubernetesDashboard,
    &tiller::TillerDeployed,
    &tiller_listen::TillerListens,
    &ssh_port::SshPort,
    &privileged_port::PrivilegedPort,
    &shared_volume::SharedVolume,
    &mount_propagation::MountPropagation,
    &tls_client::TlsClientVerifyOff,
    &tls_package::TlsPackageVerifyOff,
    &tls_runtime::TlsRuntimeVerifyOff,
];
