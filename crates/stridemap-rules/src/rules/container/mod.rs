//! Container runtime settings of pods and Compose services.

mod host_namespace;
mod resource_limit;
pub mod util;

pub mod apparmor_unconfined;
pub mod capabilities_added;
pub mod capabilities_not_dropped;
pub mod cpu_limit;
pub mod dangerous_capability;
pub mod host_ipc;
pub mod host_network;
pub mod host_path;
pub mod host_pid;
pub mod host_port;
pub mod host_user_namespace;
pub mod low_uid;
pub mod memory_limit;
pub mod net_raw;
pub mod pids_limit;
pub mod privilege_escalation;
pub mod privileged;
pub mod published_port;
pub mod resource_requests;
pub mod run_as_root;
pub mod runtime_socket;
pub mod seccomp;
pub mod security_context_missing;
pub mod sensitive_host_path;
pub mod unmasked_proc;
pub mod unsafe_sysctl;
pub mod writable_root_filesystem;

pub static RULES: &[&dyn crate::Rule] = &[
    &privileged::PrivilegedContainer,
    &runtime_socket::RuntimeSocket,
    &sensitive_host_path::SensitiveHostPath,
    &host_path::HostPathMount,
    &host_network::HostNetwork,
    &host_pid::HostPid,
    &host_ipc::HostIpc,
    &host_port::HostPort,
    &dangerous_capability::DangerousCapability,
    &capabilities_added::CapabilitiesAdded,
    &capabilities_not_dropped::CapabilitiesNotDropped,
    &net_raw::NetRawCapability,
    &run_as_root::RunAsRoot,
    &privilege_escalation::PrivilegeEscalation,
    &seccomp::SeccompMissing,
    &writable_root_filesystem::WritableRootFilesystem,
    &security_context_missing::SecurityContextMissing,
    &memory_limit::NoMemoryLimit,
    &cpu_limit::NoCpuLimit,
    &resource_requests::NoResourceRequests,
    &published_port::PortOnAllInterfaces,
    &unmasked_proc::UnmaskedProc,
    &unsafe_sysctl::UnsafeSysctl,
    &apparmor_unconfined::AppArmorUnconfined,
    &low_uid::LowUid,
    &host_user_namespace::HostUserNamespace,
    &pids_limit::NoPidsLimit,
];
