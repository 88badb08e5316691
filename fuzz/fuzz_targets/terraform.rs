#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stridemap::fuzz::terraform(data));
