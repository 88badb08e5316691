//! Inputs that once crashed or hung a fuzz target (fuzz/regressions/<target>/), replayed through
//! the same functions the targets call (`stridemap::fuzz`), on the stable toolchain.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn crash_inputs_replay_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut replayed = 0;
    for (target, run) in stridemap::fuzz::TARGETS {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut inputs: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        inputs.sort();
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let started = Instant::now();
            run(&data);
            let took = started.elapsed();
            assert!(
                took < Duration::from_secs(20),
                "{} took {took:?}",
                input.display()
            );
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} fuzz regression inputs");
}

#[test]
fn every_target_accepts_odd_input() {
    let odd: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\xff\xfe\xfd",
        b"\x01=== a.yaml\n[[[[{{{{",
        b"=== Dockerfile\nFROM\n=== nginx.conf\n}}}}\n=== x.properties\n\\u12",
        b"\x05class A { void f() { new Socket(\"x\", 1); } }",
        b"\x00a: &a [*a]\n",
        b"=== a/docker-compose.yml\nservices:\n  x:\n    <<: *nope\n",
    ];
    for (target, run) in stridemap::fuzz::TARGETS {
        for data in odd {
            let started = Instant::now();
            run(data);
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{target} is slow on {data:?}"
            );
        }
    }
}
