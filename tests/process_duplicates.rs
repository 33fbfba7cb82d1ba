//! Two functions registered under one name: that name is an error naming
//! both, wherever it is called or looked up, never a silent pick; every
//! other name works, and `check_registry` lists every duplicate. (A test
//! binary of its own, so that its duplicates trouble no other test.)

#![cfg(unix)]

use strand::as_task;
use strand::process::ProcessErrorKind;

mod first {
    #[strand::as_task(process, name = "jobs::resize")]
    pub fn resize(w: u32) -> u32 {
        w / 2
    }

    #[strand::as_task(process, name = "jobs::crop")]
    pub fn crop(w: u32) -> u32 {
        w - 1
    }
}

mod second {
    #[strand::as_task(process, name = "jobs::resize")]
    pub fn resize(w: u32) -> u32 {
        w * 2
    }

    #[strand::as_task(process, name = "jobs::crop")]
    pub fn crop(w: u32) -> u32 {
        w + 1
    }
}

#[as_task(process)]
fn innocent() -> u8 {
    1
}

const RESIZE_TWICE: &str = "the name `jobs::resize` is registered twice: by `process_duplicates::first::resize` and by `process_duplicates::second::resize`; give one of them another `name = \"...\"`";

#[test]
fn check_registry_lists_every_duplicate() {
    let duplicates = strand::process::check_registry().unwrap_err();
    let found: Vec<_> = duplicates.iter().map(|d| (d.name(), d.origins())).collect();
    assert_eq!(
        found,
        [
            (
                "jobs::crop",
                (
                    "process_duplicates::first::crop",
                    "process_duplicates::second::crop"
                )
            ),
            (
                "jobs::resize",
                (
                    "process_duplicates::first::resize",
                    "process_duplicates::second::resize"
                )
            ),
        ]
    );
    assert!(duplicates.to_string().contains(RESIZE_TWICE));
}

#[test]
fn a_duplicated_name_is_an_error_naming_both() {
    for err in [
        first::resize(10).join().unwrap_err(),
        second::resize(10).join().unwrap_err(),
    ] {
        let process = err.process_error().expect("a process error");
        assert_eq!(process.kind(), ProcessErrorKind::DuplicateName);
        assert_eq!(
            err.to_string(),
            format!("task's process failed: {RESIZE_TWICE}")
        );
    }
    let dup = strand::process::lookup("jobs::resize").unwrap_err();
    assert_eq!(dup.to_string(), RESIZE_TWICE);
    for err in [
        first::crop(10).join().unwrap_err(),
        second::crop(10).join().unwrap_err(),
    ] {
        assert!(
            err.to_string().contains("`jobs::crop` is registered twice"),
            "{err}"
        );
    }
}

#[test]
fn other_names_are_unaffected() {
    assert_eq!(innocent().join().unwrap(), 1);
    let entry = strand::process::lookup(concat!(module_path!(), "::innocent"))
        .unwrap()
        .unwrap();
    assert_eq!(entry.origin(), concat!(module_path!(), "::innocent"));
}
