//! trybuild UI tests of `#[as_task]` and `#[async_compute]`: compile errors (`ui/as_task/*.rs`, each
//! with the `.stderr` rustc must print) and code that must compile and run
//! (`ui-pass/*.rs`). Refresh the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p strand-tests --test ui`, then review them.
//! Also the builds of `process-feature-off/`, without strand's `process`
//! feature (which no test target here can turn off), and of
//! `store-without-strand-au/`, without strand-au (which every test target
//! here has).

#[rustversion::attr(not(stable(1.95)), ignore = "stderr generated with rustc 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/as_task/*.rs");
    t.compile_fail("ui/async_compute/*.rs");
    t.pass("ui-pass/*.rs");
}

/// `#[as_task(process)]` without strand's `process` feature, which every
/// test here has on: `cargo check` of `process-feature-off/`, a crate of its
/// own outside the workspace, must fail with strand's error that names the
/// feature, once for each process task, and print no other error or
/// warning (none about the items that the feature would bring).
#[test]
fn process_target_without_process_feature() {
    check_fixture(
        "process-feature-off",
        "#[as_task(process",
        "error: the `process` target needs strand's `process` feature: enable strand's `process` feature",
    );
}

/// `#[as_task(store)]` in a crate without strand-au, which every test here
/// has: `cargo check` of `store-without-strand-au/` must fail with strand's
/// error that says to add strand-au, once for each store task, and print no
/// other error or warning (none at the call sites).
#[test]
fn store_target_without_strand_au() {
    check_fixture(
        "store-without-strand-au",
        "#[as_task(store",
        "error: the `store` target needs the strand-au crate, which holds the stores and their workers: add `strand-au` to [dependencies]",
    );
}

/// `cargo check` of the fixture crate `dir` must fail with `guard` once
/// for each line of its `src/lib.rs` that starts with `marker`, and print
/// no other error or warning.
fn check_fixture(dir: &str, marker: &str, guard: &str) {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(dir);
    let source = std::fs::read_to_string(fixture.join("src/lib.rs")).unwrap();
    let tasks = source.lines().filter(|l| l.starts_with(marker)).count();
    assert!(tasks > 0, "no task in the fixture");
    // Its lock file pins the workspace's versions: a built workspace has
    // them all, and cargo needs no network.
    let output = std::process::Command::new(env!("CARGO"))
        .args(["check", "--color", "never", "--manifest-path"])
        .arg(fixture.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir))
        .output()
        .expect("runs cargo");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the fixture compiled:\n{stderr}");
    let guards = stderr.lines().filter(|l| l.starts_with(guard)).count();
    let others: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error") || l.starts_with("warning"))
        .filter(|l| !l.starts_with(guard))
        .filter(|l| !l.starts_with("error: could not compile `strand-"))
        .collect();
    assert!(
        guards == tasks && others.is_empty(),
        "expected strand's error once for each of the {tasks} tasks and nothing else; got it {guards} times, and {others:#?}\n--- stderr\n{stderr}"
    );
}

/// Decorated functions of every target, compiled as part of this test target
/// so that `cargo clippy --all-targets -- -D warnings` checks the generated
/// code under strict lints (trybuild does not run clippy).
#[deny(
    warnings,
    unused_qualifications,
    unused_results,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
#[allow(dead_code, clippy::missing_errors_doc, clippy::unnecessary_wraps)]
mod clippy_clean {
    use std::io;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static SEEN: AtomicUsize = AtomicUsize::new(0);

    fn count(_: u32) {
        let _ = SEEN.fetch_add(1, Ordering::Relaxed);
    }

    /// Doubles on a thread.
    #[strand::as_task]
    pub fn double(x: u32) -> u32 {
        x * 2
    }

    #[strand::as_task(pool, on_iter = count, on_end = |n: &usize| assert!(*n < 10))]
    fn items(n: u32) -> impl Iterator<Item = u32> {
        0..n
    }

    #[strand::as_task(pool, pool = strand::Pool::new(1), on_error = |e: &strand::JoinError<io::Error>| eprintln!("{e}"))]
    fn read(path: std::path::PathBuf) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    #[strand::as_task(sync, fallible = true)]
    fn parse(text: &str) -> Result<u8, std::num::ParseIntError> {
        text.parse()
    }

    #[strand::as_task(thread, name = "clippy::generic")]
    fn generic<T: Send + Clone + 'static>(
        value: T,
        (a, b): (u8, u8),
        label: impl Into<String> + Send + 'static,
    ) -> (T, u16, String) {
        (value, u16::from(a) + u16::from(b), label.into())
    }

    #[strand::as_task(sync)]
    fn unit() {}

    #[test]
    fn run() {
        assert_eq!(double(2).join().unwrap(), 4);
        assert_eq!(items(3).join().unwrap(), 3);
        assert!(read("/not/here".into()).join().is_err());
        assert_eq!(parse("7").join().unwrap(), 7);
        assert_eq!(
            generic(1u8, (2, 3), "x").join().unwrap(),
            (1, 5, "x".to_owned())
        );
        unit().join().unwrap();
    }
}
