use super::util::{self, Files};
use crate::{Check, Context, Sink};
use std::collections::HashMap;
use stridemap_model::InfraType;

declare_rule! {
    /// ## What it does
    /// Flags source code that switches off TLS certificate verification: `verify=False` in
    /// Python HTTP clients, `InsecureSkipVerify: true` in Go `tls.Config`,
    /// `rejectUnauthorized: false` in Node.js, trust-all `TrustManager`s and hostname verifiers
    /// in Java. Test code (`tests/`, `*_test.go`, `*.spec.ts`…) is left alone.
    ///
    /// ## Why is this bad?
    /// TLS without verification still encrypts, but against whoever answers: anyone able to
    /// redirect the connection (DNS or ARP spoofing inside the cluster, a compromised proxy)
    /// presents any certificate, is accepted as the intended service, and reads or alters
    /// everything the client sends — credentials included.
    ///
    /// ## Example
    /// ```python
    /// resp = requests.post("https://ledger:8443/entries", json=entry, verify=False)
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// resp = requests.post("https://ledger:8443/entries", json=entry,
    ///                      verify="/etc/certs/internal-ca.pem")
    /// ```
    /// Trust the internal CA explicitly instead of trusting every certificate, or let the
    /// service mesh originate mTLS.
    pub struct TlsVerifyDisabled {
        id: "S2S-TLS-VERIFY-DISABLED",
        title: "TLS certificate verification disabled",
        group: ServiceToService,
        stride: Spoofing,
        severity: High,
        cwe: [295],
        infra: [Code],
        equivalents: [],
        attack_scenario: "An attacker on the internal network answers the client's TLS connection with a self-signed certificate; the client accepts it, so the attacker impersonates the downstream service and reads or modifies requests, tokens included.",
        mitigation: "Remove the verification bypass; configure the client with the internal CA bundle (or the mesh's mTLS) so that only the real service's certificate is accepted.",
    }
}

impl Check for TlsVerifyDisabled {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let owners = util::code_owners(cx.arch);
        for facts in &cx.corpus.code {
            let path = cx.corpus.file(facts.file).path.as_str();
            if util::is_test_path(path) {
                continue;
            }
            let owner = util::owner_of(&owners, path);
            let mut nth: HashMap<&str, usize> = HashMap::new();
            for t in &facts.insecure_tls {
                let n = nth.entry(t.detail.as_str()).or_default();
                *n += 1;
                let who = owner.map_or(String::new(), |o| format!(" of `{}`", o.name));
                let f = out
                    .report(
                        facts.file,
                        t.loc,
                        format!(
                            "`{path}`{who} disables TLS certificate verification (`{}`): any certificate is accepted, so the peer is not authenticated",
                            t.detail
                        ),
                    )
                    .key(format!("{path}:{}#{n}", t.detail))
                    .infra(InfraType::Code);
                match owner {
                    Some(o) => {
                        f.component(o.name.clone());
                        util::add_node(f, &files, o);
                    }
                    None => {
                        f.resource(format!("Source/{path}"));
                    }
                }
            }
        }
    }
}
