/// Declares a rule: a unit struct whose doc comment is the rule's documentation, and its
/// [`stridemap_model::RuleMeta`].
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct PrivilegedContainer {
///         id: "CTR-PRIVILEGED",
///         title: "Privileged container",
///         group: ContainerSecurity,
///         stride: ElevationOfPrivilege,
///         severity: Critical,
///         cwe: [250, 269],
///         infra: [Kubernetes, Compose],
///         equivalents: ["CKV_K8S_16"],
///         attack_scenario: "...",
///         mitigation: "...",
///         // Optional: the security-checklist items the rule answers (`stridemap_model::checklist`).
///         checklist: ["pod.no-privileged"],
///     }
/// }
/// ```
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            title: $title:literal,
            group: $group:ident,
            stride: $stride:ident,
            severity: $severity:ident,
            cwe: [$($cwe:literal),* $(,)?],
            infra: [$($infra:ident),* $(,)?],
            equivalents: [$($eq:literal),* $(,)?],
            attack_scenario: $scenario:literal,
            mitigation: $mitigation:literal,
            $(checklist: [$($item:literal),* $(,)?] $(,)?)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $crate::Rule for $name {
            fn meta(&self) -> &'static ::stridemap_model::RuleMeta {
                static META: ::stridemap_model::RuleMeta = ::stridemap_model::RuleMeta {
                    id: $id,
                    title: $title,
                    group: ::stridemap_model::Group::$group,
                    stride: ::stridemap_model::Stride::$stride,
                    severity: ::stridemap_model::Severity::$severity,
                    cwe: &[$($cwe),*],
                    infra: &[$(::stridemap_model::InfraType::$infra),*],
                    equivalents: &[$($eq),*],
                    attack_scenario: $scenario,
                    mitigation: $mitigation,
                    doc: concat!($($doc, "\n"),*),
                    checklist: &[$($($item),*)?],
                };
                &META
            }
        }
    };
}
