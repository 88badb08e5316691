//! Control-plane hardening as it shows in manifests: flags of kube-apiserver,
//! kube-controller-manager, kube-scheduler, etcd and the kubelet run from static pods or
//! workloads, and the configuration objects they read (KubeletConfiguration,
//! KubeSchedulerConfiguration, EncryptionConfiguration, audit Policy, AdmissionConfiguration).

mod audit_policy;
mod encryption;
pub mod util;

pub mod admission_always_admit;
pub mod admission_always_pull;
pub mod admission_event_rate_limit;
pub mod admission_image_policy;
pub mod admission_namespace_lifecycle;
pub mod admission_node_restriction;
pub mod admission_pod_security;
pub mod admission_service_account;
pub mod anonymous_auth;
pub mod audit_log_maxage;
pub mod audit_log_maxbackup;
pub mod audit_log_maxsize;
pub mod audit_log_path;
pub mod audit_policy_file;
pub mod audit_policy_gaps;
pub mod audit_policy_secret_bodies;
pub mod authz_always_allow;
pub mod authz_no_node;
pub mod authz_no_rbac;
pub mod basic_auth_file;
pub mod bind_address;
pub mod client_ca;
pub mod controller_credentials;
pub mod encryption_config_missing;
pub mod encryption_identity_first;
pub mod encryption_weak_provider;
pub mod etcd_auto_tls;
pub mod etcd_ca_file;
pub mod etcd_client_cert;
pub mod etcd_client_cert_auth;
pub mod etcd_peer_auto_tls;
pub mod etcd_peer_cert_auth;
pub mod etcd_peer_tls_files;
pub mod etcd_shared_ca;
pub mod etcd_tls_files;
pub mod insecure_bind_address;
pub mod insecure_port;
pub mod kubelet_ca;
pub mod kubelet_cert_rotation;
pub mod kubelet_client_cert;
pub mod kubelet_event_qps;
pub mod kubelet_hostname_override;
pub mod kubelet_https;
pub mod kubelet_iptables_chains;
pub mod kubelet_kernel_defaults;
pub mod kubelet_read_only_port;
pub mod kubelet_server_cert_rotation;
pub mod kubelet_streaming_timeout;
pub mod profiling;
pub mod request_timeout;
pub mod root_ca_file;
pub mod sa_key_file;
pub mod sa_lookup;
pub mod sa_private_key_file;
pub mod secure_port_zero;
pub mod serving_cert;
pub mod terminated_pod_gc;
pub mod token_auth_file;
pub mod weak_tls_ciphers;

pub static RULES: &[&dyn crate::Rule] = &[
    &anonymous_auth::AnonymousAuth,
    &basic_auth_file::BasicAuthFile,
    &token_auth_file::TokenAuthFile,
    &sa_lookup::ServiceAccountLookupDisabled,
    &client_ca::ClientCaMissing,
    &authz_always_allow::AuthorizationAlwaysAllow,
    &authz_no_node::AuthorizationNoNode,
    &authz_no_rbac::AuthorizationNoRbac,
    &insecure_bind_address::InsecureBindAddress,
    &insecure_port::InsecurePort,
    &secure_port_zero::SecurePortDisabled,
    &bind_address::BindAddressExposed,
    &profiling::ProfilingEnabled,
    &audit_log_path::AuditLogMissing,
    &audit_policy_file::AuditPolicyMissing,
    &audit_log_maxage::AuditLogMaxAge,
    &audit_log_maxbackup::AuditLogMaxBackup,
    &audit_log_maxsize::AuditLogMaxSize,
    &audit_policy_gaps::AuditPolicyGaps,
    &audit_policy_secret_bodies::AuditPolicySecretBodies,
    &admission_always_admit::AdmissionAlwaysAdmit,
    &admission_pod_security::AdmissionNoPodSecurity,
    &admission_node_restriction::AdmissionNoNodeRestriction,
    &admission_service_account::AdmissionServiceAccountOff,
    &admission_namespace_lifecycle::AdmissionNamespaceLifecycleOff,
    &admission_always_pull::AdmissionNoAlwaysPullImages,
    &admission_event_rate_limit::AdmissionNoEventRateLimit,
    &admission_image_policy::AdmissionNoImagePolicy,
    &encryption_config_missing::EncryptionConfigMissing,
    &encryption_identity_first::EncryptionIdentityFirst,
    &encryption_weak_provider::EncryptionWeakProvider,
    &serving_cert::ServingCertMissing,
    &weak_tls_ciphers::WeakTlsCiphers,
    &kubelet_https::KubeletHttpsDisabled,
    &kubelet_client_cert::KubeletClientCertMissing,
    &kubelet_ca::KubeletCaMissing,
    &etcd_ca_file::EtcdCaMissing,
    &etcd_client_cert::EtcdClientCertMissing,
    &sa_key_file::ServiceAccountKeyFileMissing,
    &sa_private_key_file::ServiceAccountPrivateKeyMissing,
    &root_ca_file::RootCaFileMissing,
    &etcd_client_cert_auth::EtcdClientCertAuth,
    &etcd_peer_cert_auth::EtcdPeerCertAuth,
    &etcd_tls_files::EtcdTlsFilesMissing,
    &etcd_peer_tls_files::EtcdPeerTlsFilesMissing,
    &etcd_auto_tls::EtcdAutoTls,
    &etcd_peer_auto_tls::EtcdPeerAutoTls,
    &etcd_shared_ca::EtcdSharedCa,
    &request_timeout::RequestTimeout,
    &terminated_pod_gc::TerminatedPodGc,
    &controller_credentials::ControllerSharedCredentials,
    &kubelet_read_only_port::KubeletReadOnlyPort,
    &kubelet_cert_rotation::KubeletCertRotationOff,
    &kubelet_server_cert_rotation::KubeletServerCertRotationOff,
    &kubelet_streaming_timeout::KubeletStreamingTimeoutOff,
    &kubelet_kernel_defaults::KubeletKernelDefaults,
    &kubelet_iptables_chains::KubeletIptablesChainsOff,
    &kubelet_hostname_override::KubeletHostnameOverride,
    &kubelet_event_qps::KubeletEventQps,
];
