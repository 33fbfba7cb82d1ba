//! Two functions registered under one name: every process call fails with
//! an error naming both, never a silent pick. (A test binary of its own, as
//! the duplicate poisons every process call of the binary.)

#![cfg(unix)]

use strand::as_task;
use strand::process::ProcessErrorKind;

mod first {
    #[strand::as_task(process, name = "jobs::resize")]
    pub fn resize(w: u32) -> u32 {
        w / 2
    }
}

mod second {
    #[strand::as_task(process, name = "jobs::resize")]
    pub fn resize(w: u32) -> u32 {
        w * 2
    }
}

#[as_task(process)]
fn innocent() -> u8 {
    1
}

#[test]
fn duplicate_names_are_an_error_naming_both() {
    let dup = strand::process::check_registry().unwrap_err();
    assert_eq!(dup.name(), "jobs::resize");
    assert_eq!(
        dup.origins(),
        (
            "process_duplicates::first::resize",
            "process_duplicates::second::resize"
        )
    );
    for err in [
        first::resize(10).join().unwrap_err(),
        second::resize(10).join().unwrap_err(),
        innocent().join().map(u32::from).unwrap_err(),
    ] {
        let process = err.process_error().expect("a process error");
        assert_eq!(process.kind(), ProcessErrorKind::DuplicateName);
        assert_eq!(
            err.to_string(),
            "task's process failed: process function name `jobs::resize` is registered twice: by `process_duplicates::first::resize` and by `process_duplicates::second::resize`; give one of them another `name = \"...\"`"
        );
    }
}
