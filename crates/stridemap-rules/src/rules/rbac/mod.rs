//! Kubernetes RBAC and service accounts: what roles allow, who they are bound to, and which
//! identity (and token) pods run with.

pub mod admission_control;
pub mod anonymous_binding;
pub mod cluster_admin_binding;
pub mod create_pods;
pub mod csr_approve;
pub mod default_binding;
pub mod default_service_account;
pub mod default_token_automount;
pub mod escalate;
pub mod impersonate;
pub mod pod_exec;
pub mod port_forward;
pub mod sa_escalate;
pub mod sa_impersonate;
pub mod sa_pod_exec;
pub mod sa_secrets_read;
pub mod secrets_read;
pub mod token_automount;
pub mod util;
pub mod wildcard;

pub static RULES: &[&dyn crate::Rule] = &[
    &wildcard::RbacWildcard,
    &secrets_read::RbacSecretsRead,
    &escalate::RbacEscalate,
    &impersonate::RbacImpersonate,
    &pod_exec::RbacPodExec,
    &port_forward::RbacPortForward,
    &create_pods::RbacCreatePods,
    &admission_control::RbacAdmissionControl,
    &csr_approve::RbacCsrApprove,
    &cluster_admin_binding::ClusterAdminBinding,
    &anonymous_binding::AnonymousBinding,
    &sa_secrets_read::ServiceAccountSecretsRead,
    &sa_escalate::ServiceAccountEscalate,
    &sa_impersonate::ServiceAccountImpersonate,
    &sa_pod_exec::ServiceAccountPodExec,
    &default_binding::DefaultServiceAccountBinding,
    &default_service_account::DefaultServiceAccount,
    &default_token_automount::DefaultServiceAccountTokenAutomount,
    &token_automount::ServiceAccountTokenAutomount,
];
