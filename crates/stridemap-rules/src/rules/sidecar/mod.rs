//! Sidecar and init containers: auxiliary containers holding more than the application,
//! volumes and process namespaces shared across a privilege boundary, and init steps that run
//! as root or receive Secrets.

pub mod util;

pub mod init_runs_as_root;
pub mod init_with_secrets;
pub mod privileged_sidecar;
pub mod shared_process_namespace;
pub mod shared_volume_privileged;
pub mod sidecar_host_network;

pub static RULES: &[&dyn crate::Rule] = &[
    &shared_process_namespace::SharedProcessNamespace,
    &init_runs_as_root::InitRunsAsRoot,
    &init_with_secrets::InitWithSecrets,
    &privileged_sidecar::PrivilegedSidecar,
    &shared_volume_privileged::SharedVolumeWithPrivileged,
    &sidecar_host_network::SidecarHostNetwork,
];
