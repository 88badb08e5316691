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

/// Extraction speed over the fixtures, each repeated to a few thousand lines. Timing only:
/// `cargo test --release -p stridemap-ingest --test code_facts -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run on demand in release"]
fn extraction_speed() {
    let fixtures = [
        "python/orders_api.py",
        "python/payments_worker.py",
        "javascript/gateway.js",
        "typescript/orders.controller.ts",
        "typescript/notifier.ts",
        "go/inventory_main.go",
        "go/shipping_server.go",
        "java/com/example/orders/OrderController.java",
        "java/com/example/orders/LegacyClients.java",
    ];
    let mut total_lines = 0usize;
    let mut total = std::time::Duration::ZERO;
    for path in fixtures {
        let full = format!("{}/tests/code/{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&full).expect("fixture");
        let language = match path.rsplit('.').next() {
            Some("py") => Language::Python,
            Some("js") => Language::JavaScript,
            Some("ts") => Language::TypeScript,
            Some("go") => Language::Go,
            _ => Language::Java,
        };
        // One file of the original size, many times; then one big file.
        let small = SourceFile::new(path.into(), FileKind::Source(language), text.clone());
        let runs = 200;
        let start = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(extract(FileId(0), language, &small));
        }
        let per_file = start.elapsed() / runs;
        let big_text = text.repeat(3000 / small.line_count().max(1) + 1);
        let big = SourceFile::new(path.into(), FileKind::Source(language), big_text);
        let start = std::time::Instant::now();
        let facts = extract(FileId(0), language, &big);
        let elapsed = start.elapsed();
        total += elapsed;
        total_lines += big.line_count();
        println!(
            "{path}: {} lines in {per_file:?}; {} lines in {elapsed:?} ({} calls)",
            small.line_count(),
            big.line_count(),
            facts.calls.len()
        );
    }
    println!("total: {total_lines} lines in {total:?}");

    // A minified bundle: one line, thousands of functions reusing the same short names.
    let mut bundle = String::from("var e=process.env.API||'http://api';");
    for i in 0..20_000 {
        bundle.push_str(&format!(
            "function f{i}(t,n){{var r=e+'/p/'+t;if(n){{r=r+n}}return fetch(r,{{method:'POST'}}).then(function(o){{return o.json()}})}}"
        ));
    }
    let big = SourceFile::new(
        "bundle.min.js".into(),
        FileKind::Source(Language::JavaScript),
        bundle,
    );
    let start = std::time::Instant::now();
    let facts = extract(FileId(0), Language::JavaScript, &big);
    println!(
        "minified bundle: {} bytes in {:?} ({} calls)",
        big.text.len(),
        start.elapsed(),
        facts.calls.len()
    );
}
