//! The web service of `strand_examples::web`, driven over real HTTP on
//! loopback: a server on `127.0.0.1:0` per test, requests from the
//! example's own small client. Time limits are hang guards only.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use strand_examples::web::{AppState, request, router};

/// Far more than any test needs: reaching it means a hang.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Serves the router on a fresh loopback port for the rest of the test.
async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(AppState::new())).await });
    addr
}

async fn call(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    request(addr, method, path, body.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

async fn start(addr: SocketAddr, job: Value) -> String {
    let (code, body) = call(addr, "POST", "/jobs", Some(job)).await;
    assert_eq!(code, 202, "{body}");
    body["key"].as_str().expect("a key").to_owned()
}

/// Polls `GET /jobs/{key}` until the status is terminal; returns its body.
async fn poll_until_finished(addr: SocketAddr, key: &str) -> Value {
    loop {
        let (code, body) = call(addr, "GET", &format!("/jobs/{key}"), None).await;
        assert_eq!(code, 200, "{body}");
        if matches!(
            body["status"].as_str(),
            Some("completed" | "failed" | "cancelled")
        ) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn guarded<F: Future<Output = ()>>(test: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(HANG_GUARD, test)
                .await
                .expect("the test hung");
        });
}

#[test]
fn a_job_is_started_polled_and_completed() {
    guarded(async {
        let addr = serve().await;
        let key = start(addr, json!({ "n": 10, "step_ms": 5 })).await;
        let body = poll_until_finished(addr, &key).await;
        assert_eq!(body["status"], "completed", "{body}");
        assert_eq!(body["result"], 385);
        assert_eq!(body["key"], key.as_str());
        assert_eq!(body["progress"], 1.0);
        assert_eq!(body["message"], "10 of 10");
        assert!(body.get("error").is_none());

        // Cancelling it now is refused; it stays completed.
        let (code, body) = call(addr, "DELETE", &format!("/jobs/{key}"), None).await;
        assert_eq!(
            (code, body["error"].as_str()),
            (409, Some("already finished"))
        );
        let (_, body) = call(addr, "GET", &format!("/jobs/{key}"), None).await;
        assert_eq!(body["result"], 385);
    });
}

#[test]
fn step_ms_defaults() {
    guarded(async {
        let addr = serve().await;
        let key = start(addr, json!({ "n": 2 })).await;
        let body = poll_until_finished(addr, &key).await;
        assert_eq!(body["result"], 5);
    });
}

#[test]
fn a_failing_job_reports_its_error() {
    guarded(async {
        let addr = serve().await;
        let key = start(addr, json!({ "n": 0 })).await;
        let body = poll_until_finished(addr, &key).await;
        assert_eq!(body["status"], "failed");
        assert_eq!(body["error"], "computation failed: n must be at least 1");
        assert!(body.get("result").is_none());
    });
}

#[test]
fn unknown_keys_are_404_and_malformed_keys_400() {
    guarded(async {
        let addr = serve().await;
        for method in ["GET", "DELETE"] {
            let (code, body) = call(addr, method, "/jobs/0123456789abcdef", None).await;
            assert_eq!((code, body["error"].as_str()), (404, Some("no such job")));
        }
        let (code, _) = call(addr, "GET", "/jobs/0123456789abcdef/wait", None).await;
        assert_eq!(code, 404);

        for bad in ["not%20a%20key", ".hidden", "a%2Fb", "semi%3Bcolon"] {
            for path in [format!("/jobs/{bad}"), format!("/jobs/{bad}/wait")] {
                let (code, body) = call(addr, "GET", &path, None).await;
                assert_eq!(code, 400, "{path}: {body}");
                let message = body["error"].as_str().unwrap();
                assert!(message.starts_with("malformed key: "), "{message}");
            }
            let (code, _) = call(addr, "DELETE", &format!("/jobs/{bad}"), None).await;
            assert_eq!(code, 400);
        }
    });
}

#[test]
fn bad_requests_start_nothing() {
    guarded(async {
        let addr = serve().await;
        let (code, _) = call(addr, "POST", "/jobs", Some(json!({ "n": "thirty" }))).await;
        assert_eq!(code, 422);
        let (code, _) = call(addr, "POST", "/jobs", Some(json!({ "n": 1_000_000 }))).await;
        assert_eq!(code, 422);
        let (code, _) = call(addr, "POST", "/jobs", None).await; // no JSON body
        assert_eq!(code, 415);
        let (code, _) = call(addr, "GET", "/nowhere", None).await;
        assert_eq!(code, 404);
    });
}

#[test]
fn a_long_job_is_cancelled() {
    guarded(async {
        let addr = serve().await;
        // 10,000 terms of 50 ms: would take over 8 minutes.
        let key = start(addr, json!({ "n": 10_000, "step_ms": 50 })).await;
        // Wait until it has reported progress: it is running.
        loop {
            let (_, body) = call(addr, "GET", &format!("/jobs/{key}"), None).await;
            if body.get("progress").is_some() {
                assert_eq!(body["status"], "running");
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        let (code, body) = call(addr, "DELETE", &format!("/jobs/{key}"), None).await;
        assert_eq!(code, 202, "{body}");
        assert_eq!(
            (body["cancelled"].as_bool(), body["outcome"].as_str()),
            (Some(true), Some("requested"))
        );

        let body = poll_until_finished(addr, &key).await;
        assert_eq!(body["status"], "cancelled");
        assert!(body["progress"].as_f64().unwrap() < 1.0);
        assert!(body.get("result").is_none());
        // A second cancel finds it finished.
        let (code, _) = call(addr, "DELETE", &format!("/jobs/{key}"), None).await;
        assert_eq!(code, 409);
    });
}

#[test]
fn wait_answers_once_the_job_has_finished() {
    guarded(async {
        let addr = serve().await;
        let key = start(addr, json!({ "n": 20, "step_ms": 10 })).await;
        let (code, body) = call(addr, "GET", &format!("/jobs/{key}/wait"), None).await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["status"], "completed");
        assert_eq!(body["result"], 2870);
        // Once finished, waiting again answers at once with the same.
        let (_, again) = call(addr, "GET", &format!("/jobs/{key}/wait"), None).await;
        assert_eq!(again, body);

        let failing = start(addr, json!({ "n": 0 })).await;
        let (code, body) = call(addr, "GET", &format!("/jobs/{failing}/wait"), None).await;
        assert_eq!((code, body["status"].as_str()), (200, Some("failed")));
    });
}

#[test]
fn many_waits_at_once_leave_the_server_responsive() {
    guarded(async {
        let addr = serve().await;
        // More waiting requests than the runtime has worker threads: they
        // must not block the workers, or the status requests below stall.
        let slow = start(addr, json!({ "n": 10_000, "step_ms": 50 })).await;
        let waits: Vec<_> = (0..8)
            .map(|_| {
                let path = format!("/jobs/{slow}/wait");
                tokio::spawn(async move { call(addr, "GET", &path, None).await })
            })
            .collect();

        let quick = start(addr, json!({ "n": 3, "step_ms": 1 })).await;
        assert_eq!(poll_until_finished(addr, &quick).await["result"], 14);

        // Cancelling the slow job ends every wait, each seeing it cancelled.
        let (code, _) = call(addr, "DELETE", &format!("/jobs/{slow}"), None).await;
        assert_eq!(code, 202);
        for wait in waits {
            let (code, body) = wait.await.unwrap();
            assert_eq!((code, body["status"].as_str()), (200, Some("cancelled")));
        }
    });
}

#[test]
fn wait_with_a_timeout_answers_the_current_status() {
    guarded(async {
        let addr = serve().await;
        let key = start(addr, json!({ "n": 10_000, "step_ms": 50 })).await;
        let path = format!("/jobs/{key}/wait?timeout_ms=50");
        let (code, body) = call(addr, "GET", &path, None).await;
        assert_eq!(code, 200, "{body}");
        assert!(
            matches!(body["status"].as_str(), Some("pending" | "running")),
            "{body}"
        );
        let (code, _) = call(addr, "DELETE", &format!("/jobs/{key}"), None).await;
        assert_eq!(code, 202);
        let (_, body) = call(
            addr,
            "GET",
            &format!("/jobs/{key}/wait?timeout_ms=100000"),
            None,
        )
        .await;
        assert_eq!(body["status"], "cancelled");
    });
}
