//! Source-code fact extraction over realistic service fixtures, pinned with snapshots.

use stridemap_ingest::code::extract;
use stridemap_model::code::CodeFacts;
use stridemap_model::corpus::{FileKind, Language};
use stridemap_model::{FileId, SourceFile};

fn facts(path: &str) -> CodeFacts {
    let full = format!("{}/tests/code/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).expect("fixture");
    let language = match path.rsplit('.').next() {
        Some("py") => Language::Python,
        Some("js" | "mjs" | "cjs" | "jsx") => Language::JavaScript,
        Some("ts" | "tsx") => Language::TypeScript,
        Some("go") => Language::Go,
        Some("java") => Language::Java,
        other => panic!("no language for {other:?}"),
    };
    let source = SourceFile::new(path.to_string(), FileKind::Source(language), text);
    extract(FileId(0), language, &source)
}

macro_rules! fixture {
    ($name:ident, $path:literal) => {
        #[test]
        fn $name() {
            insta::assert_json_snapshot!(facts($path));
        }
    };
}

fixture!(python_orders_api, "python/orders_api.py");
fixture!(python_payments_worker, "python/payments_worker.py");
fixture!(javascript_gateway, "javascript/gateway.js");
fixture!(
    typescript_orders_controller,
    "typescript/orders.controller.ts"
);
fixture!(typescript_notifier, "typescript/notifier.ts");
fixture!(go_inventory_main, "go/inventory_main.go");
fixture!(go_shipping_server, "go/shipping_server.go");
fixture!(
    java_order_controller,
    "java/com/example/orders/OrderController.java"
);
fixture!(
    java_legacy_clients,
    "java/com/example/orders/LegacyClients.java"
);
fixture!(python_notifications_async, "python/notifications_async.py");
fixture!(python_django_urls, "python/urls.py");
fixture!(javascript_catalog_fastify, "javascript/catalog-fastify.mjs");
