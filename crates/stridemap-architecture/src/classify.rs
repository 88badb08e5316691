//! Recognising data stores and brokers from images, names, ports and URL schemes.

use stridemap_model::architecture::Role;
use stridemap_model::image::ImageRef;

/// (technology, role, image name fragments, well-known ports)
const TECHNOLOGIES: &[(&str, Role, &[&str], &[u16])] = &[
    (
        "postgres",
        Role::DataStore,
        &["postgres", "postgis", "timescaledb", "pgvector"],
        &[5432],
    ),
    (
        "mysql",
        Role::DataStore,
        &["mysql", "mariadb", "percona"],
        &[3306],
    ),
    ("mongodb", Role::DataStore, &["mongo"], &[27017]),
    (
        "redis",
        Role::DataStore,
        &["redis", "valkey", "keydb"],
        &[6379],
    ),
    ("memcached", Role::DataStore, &["memcached"], &[11211]),
    (
        "elasticsearch",
        Role::DataStore,
        &["elasticsearch", "opensearch"],
        &[9200],
    ),
    (
        "cassandra",
        Role::DataStore,
        &["cassandra", "scylla"],
        &[9042],
    ),
    ("etcd", Role::DataStore, &["etcd"], &[2379]),
    ("couchdb", Role::DataStore, &["couchdb"], &[5984]),
    ("neo4j", Role::DataStore, &["neo4j"], &[7687]),
    ("influxdb", Role::DataStore, &["influxdb"], &[8086]),
    ("cockroachdb", Role::DataStore, &["cockroach"], &[26257]),
    (
        "clickhouse",
        Role::DataStore,
        &["clickhouse"],
        &[8123, 9000],
    ),
    ("minio", Role::DataStore, &["minio"], &[]),
    ("mssql", Role::DataStore, &["mssql", "sqlserver"], &[1433]),
    ("consul", Role::DataStore, &["consul"], &[8500]),
    ("vault", Role::DataStore, &["vault"], &[8200]),
    ("zookeeper", Role::DataStore, &["zookeeper"], &[2181]),
    ("kafka", Role::Broker, &["kafka", "redpanda"], &[9092]),
    ("rabbitmq", Role::Broker, &["rabbitmq"], &[5672]),
    ("nats", Role::Broker, &["nats"], &[4222]),
    ("activemq", Role::Broker, &["activemq", "artemis"], &[61616]),
    ("pulsar", Role::Broker, &["pulsar"], &[6650]),
    ("mosquitto", Role::Broker, &["mosquitto", "emqx"], &[1883]),
];

/// Images that contain a store's name without being one (admin consoles, exporters, UIs).
const NOT_A_STORE: &[&str] = &[
    "exporter",
    "-ui",
    "admin",
    "commander",
    "insight",
    "express",
    "kafdrop",
    "akhq",
    "operator",
    "proxy",
    "connect",
    "schema-registry",
    "rest",
];

/// The technology and role an image name implies.
pub fn from_image(image: &str) -> Option<(&'static str, Role)> {
    let repo = ImageRef::parse(image).repository.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    if NOT_A_STORE.iter().any(|n| last.contains(n)) {
        return None;
    }
    TECHNOLOGIES
        .iter()
        .find(|(_, _, names, _)| {
            names.iter().any(|n| {
                last.starts_with(n) || last.ends_with(n) || last.contains(&format!("-{n}"))
            })
        })
        .map(|(t, r, _, _)| (*t, *r))
}

/// The technology a well-known port implies.
pub fn from_port(port: u16) -> Option<(&'static str, Role)> {
    TECHNOLOGIES
        .iter()
        .find(|(_, _, _, ports)| ports.contains(&port))
        .map(|(t, r, _, _)| (*t, *r))
}

/// The technology a URL scheme names, with the protocol to record on a flow.
pub fn from_scheme(scheme: &str) -> Option<(&'static str, Role)> {
    let s = scheme.to_ascii_lowercase();
    let s = s.split('+').next().unwrap_or(&s).to_string();
    let tech = match s.as_str() {
        "postgres" | "postgresql" | "pgsql" => "postgres",
        "mysql" | "mariadb" => "mysql",
        "mongodb" => "mongodb",
        "redis" | "rediss" => "redis",
        "amqp" | "amqps" => "rabbitmq",
        "kafka" => "kafka",
        "nats" => "nats",
        "sqlserver" | "mssql" => "mssql",
        "cassandra" => "cassandra",
        "memcached" => "memcached",
        _ => return None,
    };
    TECHNOLOGIES
        .iter()
        .find(|(t, _, _, _)| *t == tech)
        .map(|(t, r, _, _)| (*t, *r))
}

/// Services named like a store (`orders-db`, `catalogue-db`, `session-cache`).
pub fn name_suggests_store(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with("-db")
        || n.ends_with("_db")
        || n.ends_with("db") && n.len() > 2 && !n.ends_with("adb")
        || n.ends_with("-cache")
        || n.ends_with("-database")
}

/// The protocol of a flow to a node of a technology (`postgres`, `kafka`…) or over a scheme.
pub fn protocol_for_scheme(scheme: &str) -> String {
    let s = scheme.to_ascii_lowercase();
    match s.as_str() {
        "postgresql" | "pgsql" => "postgres".into(),
        "mongodb+srv" => "mongodb".into(),
        "rediss" => "redis".into(),
        "amqps" => "amqp".into(),
        "grpcs" | "dns" => "grpc".into(),
        "ws" => "http".into(),
        "wss" => "https".into(),
        other => other.to_string(),
    }
}

/// Whether a scheme encrypts by itself.
pub fn scheme_encrypts(scheme: &str) -> bool {
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "https"
            | "grpcs"
            | "rediss"
            | "amqps"
            | "wss"
            | "mongodb+srv"
            | "ldaps"
            | "ftps"
            | "sftp"
            | "ssl"
            | "tls"
            | "kafka+ssl"
    )
}

/// The protocol a technology speaks.
pub fn protocol_for_technology(tech: &str) -> &'static str {
    match tech {
        "postgres" => "postgres",
        "mysql" => "mysql",
        "mongodb" => "mongodb",
        "redis" => "redis",
        "memcached" => "memcached",
        "elasticsearch" | "couchdb" | "influxdb" | "clickhouse" | "minio" | "consul" | "vault" => {
            "http"
        }
        "cassandra" => "cql",
        "etcd" => "grpc",
        "kafka" => "kafka",
        "rabbitmq" => "amqp",
        "nats" => "nats",
        "mosquitto" => "mqtt",
        "zookeeper" => "zookeeper",
        "mssql" => "tds",
        "neo4j" => "bolt",
        _ => "tcp",
    }
}

/// The protocol a bare port implies when nothing else says.
pub fn protocol_for_port(port: u16) -> Option<&'static str> {
    Some(match port {
        80 | 8080 | 8000 | 3000 | 5000 | 8081 | 9090 => "http",
        443 | 8443 => "https",
        50051 => "grpc",
        p => return from_port(p).map(|(t, _)| protocol_for_technology(t)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(
            from_image("postgres:16.4"),
            Some(("postgres", Role::DataStore))
        );
        assert_eq!(
            from_image("confluentinc/cp-kafka:7.7.1"),
            Some(("kafka", Role::Broker))
        );
        assert_eq!(from_image("redis:alpine"), Some(("redis", Role::DataStore)));
        assert_eq!(
            from_image("bitnami/rabbitmq"),
            Some(("rabbitmq", Role::Broker))
        );
        assert_eq!(from_image("provectuslabs/kafka-ui:v0.7.2"), None);
        assert_eq!(from_image("oliver006/redis_exporter"), None);
        assert_eq!(from_image("weaveworksdemos/catalogue-db:0.3.0"), None);
        assert!(name_suggests_store("catalogue-db"));
        assert!(!name_suggests_store("frontend"));
    }
}
