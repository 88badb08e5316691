//! Service discovery and registries: etcd and Consul reachable without authentication, the
//! Consul UI exposed, services registering themselves anonymously, and name resolution taken
//! out of cluster DNS.

pub mod util;

pub mod consul_no_acl;
pub mod consul_ui_exposed;
pub mod dns_policy;
pub mod etcd_no_client_auth;
pub mod self_registration;

pub static RULES: &[&dyn crate::Rule] = &[
    &etcd_no_client_auth::EtcdNoClientAuth,
    &consul_no_acl::ConsulNoAcl,
    &consul_ui_exposed::ConsulUiExposed,
    &self_registration::SelfRegistrationNoIdentity,
    &dns_policy::DnsPolicy,
];
