//! How the server asks for memory: jemalloc, and its settings.
//!
//! The `tsunagu` binary's global allocator is jemalloc (`tikv-jemallocator`). On Linux it also
//! takes the C library's `malloc`, so SQLite allocates from it too: one allocator for the
//! whole process. Under the load benchmark, glibc's malloc took about a sixth of the server's
//! time (`_int_malloc`, `_int_free`, `malloc_consolidate`), and threads waited on its arenas'
//! locks. With jemalloc, the same code answered family `upcoming` at 10 000 persons about half
//! as fast again (README, "Performance"). The library, its tests and the benchmark's floors
//! keep the system allocator.
//!
//! glibc's arenas were this module's subject before: one arena a core brought the peak from
//! 179 MB to about 150 MB. jemalloc's settings below do the same work.

/// jemalloc's settings, read once when it starts (it finds them by the `malloc_conf` symbol the
/// binary exports). Each setting was measured with the benchmark over every path at 10 000
/// persons:
/// - `narenas:1`: one arena. Threads still allocate without locks from their own caches. The
///   default, four arenas a CPU, peaked at 172 MB.
/// - `background_thread:true`: a thread of jemalloc's own hands unused pages back to the
///   system, so requests do not wait for it.
/// - `dirty_decay_ms:250`: freed pages go back after a quarter of a second, not ten
///   (peak 156 MB; 160 MB at one second). `dirty_decay_ms:0` halved the throughput.
/// - `muzzy_decay_ms:0`: none are kept half-returned.
pub const JEMALLOC_CONF: &[u8; 69] = b"narenas:1,background_thread:true,dirty_decay_ms:250,muzzy_decay_ms:0\0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_s_settings_are_one_c_string_of_name_value_pairs() {
        // jemalloc reads up to the first NUL: it must be at the very end and nowhere before.
        assert_eq!(JEMALLOC_CONF.iter().position(|&byte| byte == 0), Some(JEMALLOC_CONF.len() - 1));
        let settings = std::str::from_utf8(&JEMALLOC_CONF[..JEMALLOC_CONF.len() - 1]).expect("ASCII");
        assert!(
            settings.split(',').all(|setting| setting
                .split_once(':')
                .is_some_and(|(name, value)| !name.is_empty() && !value.is_empty())),
            "{settings}"
        );
    }
}
