//! API gateway and ingress: how services are exposed outside the cluster, and what the
//! Ingresses, gateways, NGINX and Kong configurations in front of them enforce.

pub mod util;

pub mod cors_wildcard_credentials;
pub mod loadbalancer_public;
pub mod nginx_alias_traversal;
pub mod nginx_merge_slashes;
pub mod nginx_snippet;
pub mod nginx_snippet_alias;
pub mod nginx_snippet_lua;
pub mod nginx_ssrf;
pub mod no_auth;
pub mod no_rate_limit;
pub mod no_tls;
pub mod nodeport_exposed;
pub mod service_exposed_directly;

pub static RULES: &[&dyn crate::Rule] = &[
    &service_exposed_directly::ServiceExposedDirectly,
    &loadbalancer_public::LoadBalancerPublic,
    &nodeport_exposed::NodePortExposed,
    &no_auth::NoAuth,
    &no_tls::NoTls,
    &no_rate_limit::NoRateLimit,
    &cors_wildcard_credentials::CorsWildcardCredentials,
    &nginx_snippet::NginxSnippet,
    &nginx_snippet_lua::NginxSnippetLua,
    &nginx_snippet_alias::NginxSnippetAlias,
    &nginx_ssrf::NginxSsrf,
    &nginx_alias_traversal::NginxAliasTraversal,
    &nginx_merge_slashes::NginxMergeSlashesOff,
];
