use super::util::{kinds, what};
use crate::helpers::on_dockerfile;
use crate::secrets::{find_in_command, find_in_value, find_tokens, split_command, SecretHit};
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::{Detail, Dockerfile};

declare_rule! {
    /// ## What it does
    /// Flags credentials written into a Dockerfile: `ENV` and `ARG` values whose name marks
    /// them as a credential (`AWS_SECRET_ACCESS_KEY`, `NPM_TOKEN`, `DB_PASSWORD`) or whose
    /// value has the shape of a well-known token or embeds a password in a URL, and
    /// credentials on the command lines of `RUN`, `CMD` and `ENTRYPOINT` (`--password=…`,
    /// `KEY=value`, `Authorization:` headers, tokens). Build-argument references (`$NPM_TOKEN`)
    /// and placeholders are not credentials.
    ///
    /// ## Why is this bad?
    /// Everything a Dockerfile writes ends up in the image: `ENV` values in its configuration,
    /// `ARG` defaults and `RUN` lines in its history (`docker history --no-trunc`). Anyone who
    /// can pull the image, from any registry or cache it was ever pushed to, can read them,
    /// and deleting the line later does not remove them from images already published.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ENV AWS_ACCESS_KEY_ID=AKIAZ3MPLQ7RX4TN2WQB
    /// ENV AWS_SECRET_ACCESS_KEY=9xG2vLq0Rz7pW4sN1kT8mB6cY3hJ5fD0aQeUuViO
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1
    /// FROM python:3.12-slim
    /// RUN --mount=type=secret,id=pip_index_token \
    ///     PIP_INDEX_URL="https://ci:$(cat /run/secrets/pip_index_token)@pypi.example.com/simple" \
    ///     pip install -r requirements.txt
    /// ```
    /// Give build steps their credentials through BuildKit secret mounts, and give the running
    /// container its credentials at deploy time (a mounted Secret, workload identity) instead
    /// of baking them in.
    pub struct DockerfileCredential {
        id: "SEC-DOCKERFILE-CREDENTIAL",
        title: "Hard-coded credential in a Dockerfile",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [798, 538],
        infra: [Docker],
        equivalents: ["kics:a88baa34-e2ad-44ea-ad6f-8cac87bc7c71"],
        attack_scenario: "An attacker who obtains the image (a leaked registry token, a public mirror, a developer laptop) runs `docker inspect` or `docker history` and lifts the cloud keys, then uses them against the account they belong to.",
        mitigation: "Remove the credential from the Dockerfile and rotate it; use BuildKit `--mount=type=secret` for build-time needs and inject runtime credentials when the container is deployed.",
    }
}

/// Credentials on a command line, including tokens that contain spaces.
fn command_hits(text: &str) -> Vec<SecretHit> {
    let words = split_command(text);
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut hits = find_in_command(&refs);
    for t in find_tokens(text) {
        if !hits.iter().any(|h| h.value == t.value) {
            hits.push(t);
        }
    }
    hits
}

impl Check for DockerfileCredential {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for (i, ins) in df.instructions.iter().enumerate() {
            match &ins.detail {
                Detail::Env(pairs) | Detail::Arg(pairs) => {
                    for kv in pairs {
                        let Some(value) = &kv.value else { continue };
                        let Some(hit) = find_in_value(Some(&kv.key), value) else {
                            continue;
                        };
                        on_dockerfile(
                            out,
                            cx.corpus,
                            df,
                            kv.loc,
                            format!(
                                "`{} {}` in `{path}` bakes a hard-coded {} into the image",
                                ins.keyword,
                                kv.key,
                                what(&hit)
                            ),
                        )
                        .key_part(format!("{}:{}:{i}", ins.keyword, kv.key))
                        .secret(hit.value);
                    }
                }
                Detail::Command { text, .. } => {
                    let hits = command_hits(text);
                    if hits.is_empty() {
                        continue;
                    }
                    let refs: Vec<&SecretHit> = hits.iter().collect();
                    let finding = on_dockerfile(
                        out,
                        cx.corpus,
                        df,
                        ins.loc,
                        format!(
                            "a `{}` instruction in `{path}` passes {} on a command line that ships with the image",
                            ins.keyword,
                            kinds(&refs)
                        ),
                    )
                    .key_part(format!("{}:{i}", ins.keyword));
                    for h in &hits {
                        finding.secret(h.value.clone());
                    }
                }
                _ => {}
            }
        }
    }
}
