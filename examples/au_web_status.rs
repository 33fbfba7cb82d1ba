//! Web application background tasks: a request handler launches the work
//! and answers at once with a job id; later requests, possibly served by
//! another process, rebuild a handle from that id alone
//! (`ComputationHandle::from_key`) to report status and progress, return
//! the result, or cancel the job.
//!
//! There is no web framework here: the "handlers" are functions returning a
//! status code and a JSON body. Some requests are served by this program
//! started again as a child process (`au_web_status <dir> status <id>`), which
//! only shares the store's directory with the parent.
//!
//! Run with `cargo run --example au_web_status`.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strand_au::{
    CancelOutcome, ComputationHandle, ComputationStore, FileSystemStore, Key, Status, TempStore,
    async_compute, current_computation,
};

static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();

fn store() -> Arc<dyn ComputationStore> {
    STORE.get().expect("main sets the store first").clone()
}

/// What the analysis finds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Report {
    rows: usize,
    sum: u64,
    max: u32,
}

/// Analyses the rows in ten steps of `step_ms` each, reporting progress after
/// each, and stops early when the job is cancelled (from any process).
#[async_compute(store = store())]
fn analyze_large_dataset(rows: Vec<u32>, step_ms: u64) -> Report {
    let me = current_computation();
    let chunk = rows.len().div_ceil(10).max(1);
    let mut report = Report {
        rows: 0,
        sum: 0,
        max: 0,
    };
    for (i, part) in rows.chunks(chunk).enumerate() {
        if me.is_cancelled() {
            return report; // discarded: the record stays Cancelled
        }
        std::thread::sleep(Duration::from_millis(step_ms));
        report.rows += part.len();
        report.sum += part.iter().map(|&x| u64::from(x)).sum::<u64>();
        report.max = report.max.max(part.iter().copied().max().unwrap_or(0));
        let done = (i + 1) * chunk;
        me.set_progress(
            done.min(rows.len()) as f64 / rows.len() as f64,
            &format!("{} of {} rows", done.min(rows.len()), rows.len()),
        )
        .expect("progress is recorded");
    }
    report
}

/// `POST /analyze`: starts the job, answers with its id.
fn post_analyze(rows: Vec<u32>, step_ms: u64) -> (u16, Value) {
    let handle = analyze_large_dataset(rows, step_ms);
    (202, json!({ "job_id": handle.key() }))
}

/// `GET /status/<job_id>`: knows nothing but the id and where the store is.
fn get_status(store: Arc<dyn ComputationStore>, job_id: &str) -> (u16, Value) {
    let Ok(key) = job_id.parse::<Key>() else {
        return (400, json!({ "error": "malformed job id" }));
    };
    let handle = ComputationHandle::<Report>::from_key(key, store);
    let status = match handle.status() {
        Ok(status) => status,
        Err(e) if e.is_unknown_key() => return (404, json!({ "error": "no such job" })),
        Err(e) => return (500, json!({ "error": e.to_string() })),
    };
    let mut body = json!({ "status": status });
    if let Ok(Some(p)) = handle.progress() {
        body["progress"] = json!(p.fraction);
        body["message"] = json!(p.message);
    }
    match handle.try_join() {
        Ok(report) => body["result"] = json!(report),
        Err(e) if status == Status::Failed => body["error"] = json!(e.to_string()),
        Err(_) => {}
    }
    (200, body)
}

/// `DELETE /jobs/<job_id>`: cancels the job.
fn delete_job(store: Arc<dyn ComputationStore>, job_id: &str) -> (u16, Value) {
    let Ok(key) = job_id.parse::<Key>() else {
        return (400, json!({ "error": "malformed job id" }));
    };
    match ComputationHandle::<Report>::from_key(key, store).cancel() {
        Ok(CancelOutcome::AlreadyFinished) => (409, json!({ "error": "already finished" })),
        Ok(_) => (202, json!({ "cancelled": true })),
        Err(e) if e.is_unknown_key() => (404, json!({ "error": "no such job" })),
        Err(e) => (500, json!({ "error": e.to_string() })),
    }
}

/// Serves one request in a child process that shares only the directory.
fn in_child(dir: &Path, verb: &str, job_id: &str) -> (u16, Value) {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg(dir)
        .arg(verb)
        .arg(job_id)
        .output()
        .expect("start the child");
    assert!(out.status.success(), "child failed: {out:?}");
    serde_json::from_slice(&out.stdout).expect("the child prints (code, body)")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [dir, verb, job_id] = args.as_slice() {
        // The child: a "web worker" of its own, opening the same directory.
        let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir));
        let reply = match verb.as_str() {
            "status" => get_status(store, job_id),
            "cancel" => delete_job(store, job_id),
            _ => (400, json!({ "error": "unknown verb" })),
        };
        println!("{}", serde_json::to_string(&reply).unwrap());
        return;
    }

    let temp = TempStore::new().expect("temp dir");
    STORE.set(temp.shared()).expect("set once");
    let dir = temp.dir().to_path_buf();
    // Another handle on the same directory, as a second server would have.
    let elsewhere: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(&dir));

    let (code, body) = post_analyze((1..=1000).collect(), 30);
    println!("POST /analyze -> {code} {body}");
    let job_id = body["job_id"].as_str().unwrap().to_owned();

    // Poll while it runs.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, body) = get_status(elsewhere.clone(), &job_id);
        println!("GET /status/{job_id} -> {code} {body}");
        assert_eq!(code, 200);
        if body["status"] == "completed" {
            assert_eq!(body["result"]["sum"], 500_500);
            assert_eq!(body["progress"], 1.0);
            break;
        }
        assert!(Instant::now() < deadline, "never completed");
        std::thread::sleep(Duration::from_millis(70));
    }

    // Another process reads the same job by its id.
    let (code, body) = in_child(&dir, "status", &job_id);
    println!("(child process) GET /status/{job_id} -> {code} {body}");
    assert_eq!(code, 200);
    assert_eq!(body["result"]["max"], 1000);

    // Unknown and malformed ids.
    let (code, body) = get_status(elsewhere.clone(), "0123456789abcdef");
    println!("GET /status/0123456789abcdef -> {code} {body}");
    assert_eq!(code, 404);
    let (code, body) = get_status(elsewhere.clone(), "../../etc/passwd");
    println!("GET /status/../../etc/passwd -> {code} {body}");
    assert_eq!(code, 400);

    // A second, slower job, cancelled from the other process once it has
    // started. The body notices at its next progress report.
    let (_, body) = post_analyze((1..=1000).collect(), 200);
    let second = body["job_id"].as_str().unwrap().to_owned();
    let handle = analyze_large_dataset::handle(second.parse().unwrap());
    while handle.progress().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (code, body) = in_child(&dir, "cancel", &second);
    println!("(child process) DELETE /jobs/{second} -> {code} {body}");
    assert_eq!(code, 202);
    let err = handle.join_timeout(Duration::from_secs(30)).unwrap_err();
    assert!(err.is_cancelled());
    let (code, body) = get_status(elsewhere.clone(), &second);
    println!("GET /status/{second} -> {code} {body}");
    assert_eq!(body["status"], "cancelled");
    let fraction = body["progress"].as_f64().unwrap();
    assert!(fraction < 1.0, "stopped part way: {fraction}");

    // Cancelling a finished job is refused.
    let (code, body) = delete_job(elsewhere, &job_id);
    println!("DELETE /jobs/{job_id} -> {code} {body}");
    assert_eq!(code, 409);
}
