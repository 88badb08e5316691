//! Network addresses found in configuration values: URLs, connection strings, `host:port`.

/// One address, as far as a configuration value shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Lower-case scheme without `jdbc:` (`http`, `postgres`, `mongodb+srv`…).
    pub scheme: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// The address carries credentials (`user:password@`).
    pub credentials: bool,
    /// Query options that switch TLS on (`sslmode=require`, `ssl=true`, `tls=true`).
    pub tls_option: bool,
}

/// Environment variable names that hold a host even when the value is a bare name.
fn key_names_a_host(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    [
        "HOST",
        "HOSTNAME",
        "ADDR",
        "ADDRESS",
        "SERVER",
        "SERVERS",
        "ENDPOINT",
        "URL",
        "URI",
        "SERVICE",
        "BROKER",
        "BROKERS",
        "BOOTSTRAP",
    ]
    .iter()
    .any(|s| k.ends_with(&format!("_{s}")) || k == *s)
}

fn is_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
        })
        && host.chars().any(|c| c.is_ascii_alphabetic())
}

/// Hosts that mean "this machine" or "every interface": never another service.
pub fn is_local(host: &str) -> bool {
    matches!(
        host,
        "localhost" | "0.0.0.0" | "127.0.0.1" | "::" | "::1" | "host.docker.internal"
    ) || host.starts_with("127.")
}

fn tls_in_query(query: &str) -> bool {
    query.split('&').any(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let (k, v) = (k.to_ascii_lowercase(), v.to_ascii_lowercase());
        (matches!(k.as_str(), "sslmode")
            && matches!(v.as_str(), "require" | "verify-ca" | "verify-full"))
            || (matches!(k.as_str(), "ssl" | "tls" | "usessl" | "encrypt")
                && matches!(v.as_str(), "true" | "1" | "yes" | "required"))
    })
}

/// Parses `scheme://[user[:pass]@]host[:port][,host2[:port]]/…` (JDBC and MongoDB-style host
/// lists included) with the `url` crate where it can, by hand for host lists.
fn parse_url(value: &str) -> Vec<Address> {
    let value = value.trim();
    let without_jdbc = value.strip_prefix("jdbc:").unwrap_or(value);
    let Some((scheme, rest)) = without_jdbc.split_once("://") else {
        return Vec::new();
    };
    let scheme = scheme.to_ascii_lowercase();
    if !scheme
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        || scheme.is_empty()
    {
        return Vec::new();
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let query = rest.split_once('?').map(|(_, q)| q).unwrap_or("");
    let (credentials, hosts) = match authority.rsplit_once('@') {
        Some((user, hosts)) => (user.contains(':') || !user.is_empty(), hosts),
        None => (false, authority),
    };
    let tls_option = tls_in_query(query);
    if !hosts.contains(',') {
        if let Ok(u) = url::Url::parse(&format!("{scheme}://{authority}")) {
            if let Some(host) = u.host_str() {
                return vec![Address {
                    scheme: Some(scheme),
                    host: host.trim_matches(['[', ']']).to_ascii_lowercase(),
                    port: u.port(),
                    credentials,
                    tls_option,
                }];
            }
        }
    }
    hosts
        .split(',')
        .filter_map(|h| {
            let (host, port) = split_host_port(h)?;
            Some(Address {
                scheme: Some(scheme.clone()),
                host,
                port,
                credentials,
                tls_option,
            })
        })
        .collect()
}

fn split_host_port(text: &str) -> Option<(String, Option<u16>)> {
    let text = text.trim();
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() => (h, Some(p.parse::<u16>().ok()?)),
        _ => (text, None),
    };
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    (is_hostname(&host) || host.parse::<std::net::IpAddr>().is_ok()).then_some((host, port))
}

/// Addresses in a configuration value. `key` (an environment variable name) lets a bare host
/// name count when the key says it names a host.
pub fn parse_addresses(key: Option<&str>, value: &str) -> Vec<Address> {
    let value = value.trim().trim_matches(['"', '\'']);
    if value.is_empty() || value.len() > 2048 {
        return Vec::new();
    }
    if value.contains("://") {
        // A value may hold several URLs separated by spaces, semicolons or commas; a comma
        // followed by no scheme continues a host list (`mongodb://a:1,b:2/db`).
        let mut urls: Vec<String> = Vec::new();
        let separators = |c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '"' | '\'' | '<' | '>' | '(' | ')' | '[' | ']' | ';' | '`'
                )
        };
        for token in value.split(separators) {
            let mut in_url = false;
            for part in token.split(',') {
                if part.contains("://") {
                    urls.push(part.to_string());
                    in_url = true;
                } else if in_url {
                    let last = urls.last_mut().expect("in a URL");
                    last.push(',');
                    last.push_str(part);
                }
            }
        }
        return urls.iter().flat_map(|u| parse_url(u)).collect();
    }
    let looks_like_list = value.split(',').all(|p| {
        let p = p.trim();
        p.rsplit_once(':')
            .is_some_and(|(h, port)| port.parse::<u16>().is_ok() && is_hostname(h))
    });
    if looks_like_list {
        return value
            .split(',')
            .filter_map(split_host_port)
            .map(|(host, port)| Address {
                scheme: None,
                host,
                port,
                credentials: false,
                tls_option: false,
            })
            .collect();
    }
    if key.is_some_and(key_names_a_host) && is_hostname(value) && !value.contains('/') {
        return vec![Address {
            scheme: None,
            host: value.to_ascii_lowercase(),
            port: None,
            credentials: false,
            tls_option: false,
        }];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(key: Option<&str>, v: &str) -> Address {
        let mut a = parse_addresses(key, v);
        assert_eq!(a.len(), 1, "{v}: {a:?}");
        a.remove(0)
    }

    #[test]
    fn urls_and_host_ports() {
        let a = one(None, "postgres://admin:secret@db:5432/app");
        assert_eq!(
            (a.scheme.as_deref(), a.host.as_str(), a.port, a.credentials),
            (Some("postgres"), "db", Some(5432), true)
        );
        let a = one(None, "http://orders.shop.svc.cluster.local:8080/api");
        assert_eq!(
            (a.host.as_str(), a.port),
            ("orders.shop.svc.cluster.local", Some(8080))
        );
        let a = one(None, "productcatalogservice:3550");
        assert_eq!(
            (a.scheme, a.host.as_str(), a.port),
            (None, "productcatalogservice", Some(3550))
        );
        let a = one(None, "jdbc:postgresql://pg:5432/orders?sslmode=require");
        assert_eq!(
            (a.scheme.as_deref(), a.tls_option),
            (Some("postgresql"), true)
        );
        assert_eq!(
            parse_addresses(None, "mongodb://m1:27017,m2:27017/db?replicaSet=rs").len(),
            2
        );
        assert_eq!(parse_addresses(None, "kafka-0:9092,kafka-1:9092").len(), 2);
        assert_eq!(one(Some("REDIS_HOST"), "redis").host, "redis");
        assert!(parse_addresses(Some("LOG_LEVEL"), "info").is_empty());
        assert!(parse_addresses(None, "-Xms64m -Xmx128m").is_empty());
        assert!(parse_addresses(None, "12:30").is_empty());
        // An embedded configuration file: every URL in it, nothing else.
        let cfg = "server:\n  port: 8080\nupstreams:\n  checkout: http://checkout.shop.svc.cluster.local\n  invoices: http://invoices:8080\nretries:\n  backoff: 250ms\n";
        let hosts: Vec<String> = parse_addresses(Some("app.yaml"), cfg)
            .into_iter()
            .map(|a| a.host)
            .collect();
        assert_eq!(hosts, vec!["checkout.shop.svc.cluster.local", "invoices"]);
        assert_eq!(
            one(None, "postgres://api:${DB_PASSWORD}@db:5432/api").host,
            "db"
        );
    }
}
