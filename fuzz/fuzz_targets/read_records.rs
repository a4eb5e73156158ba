#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spacetrack_fuzz::read_records(data));
