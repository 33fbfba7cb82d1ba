//! A web service of background computations, with axum and tokio: `POST
//! /jobs` starts an `#[async_compute]` job and answers at once with its key;
//! `GET /jobs/{key}` reports status, progress and result; `GET
//! /jobs/{key}/wait` awaits the outcome (`join_async`: no worker thread of
//! the server is blocked meanwhile); `DELETE /jobs/{key}` cancels. The
//! service is `strand_examples::web`.
//!
//! The program serves it on a loopback port of its own and drives it with
//! real HTTP requests, printing each, then stops the server.
//!
//! Run with `cargo run -p strand-examples --example au_axum`.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use strand_examples::web::{AppState, request, router};

async fn call(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let (code, answer) = request(addr, method, path, body.as_ref())
        .await
        .expect("the server answers");
    match body {
        Some(body) => println!("{method} {path} {body} -> {code} {answer}"),
        None => println!("{method} {path} -> {code} {answer}"),
    }
    (code, answer)
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router(AppState::new()))
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .await
    });
    println!("serving on http://{addr}");

    // Start a job: 10 terms, 50 ms each.
    let (code, body) = call(
        addr,
        "POST",
        "/jobs",
        Some(json!({ "n": 10, "step_ms": 50 })),
    )
    .await;
    assert_eq!(code, 202);
    let key = body["key"].as_str().unwrap().to_owned();

    // Poll its status while it runs.
    loop {
        let (code, body) = call(addr, "GET", &format!("/jobs/{key}"), None).await;
        assert_eq!(code, 200);
        if body["status"] == "completed" {
            assert_eq!(body["result"], 385); // 1 + 4 + ... + 100
            break;
        }
        tokio::time::sleep(Duration::from_millis(120)).await;
    }

    // Start another and await it in one request.
    let (_, body) = call(addr, "POST", "/jobs", Some(json!({ "n": 5 }))).await;
    let second = body["key"].as_str().unwrap().to_owned();
    let (code, body) = call(addr, "GET", &format!("/jobs/{second}/wait"), None).await;
    assert_eq!((code, body["result"].as_u64()), (200, Some(55)));

    // A job that fails.
    let (_, body) = call(addr, "POST", "/jobs", Some(json!({ "n": 0 }))).await;
    let failed = body["key"].as_str().unwrap().to_owned();
    let (_, body) = call(addr, "GET", &format!("/jobs/{failed}/wait"), None).await;
    assert_eq!(body["status"], "failed");

    // A long job, cancelled once it has started.
    let (_, body) = call(
        addr,
        "POST",
        "/jobs",
        Some(json!({ "n": 1000, "step_ms": 50 })),
    )
    .await;
    let long = body["key"].as_str().unwrap().to_owned();
    let path = format!("/jobs/{long}/wait?timeout_ms=200");
    let (_, body) = call(addr, "GET", &path, None).await;
    assert!(matches!(
        body["status"].as_str(),
        Some("pending" | "running")
    ));
    let (code, _) = call(addr, "DELETE", &format!("/jobs/{long}"), None).await;
    assert_eq!(code, 202);
    let (_, body) = call(addr, "GET", &format!("/jobs/{long}/wait"), None).await;
    assert_eq!(body["status"], "cancelled");

    // Unknown and malformed keys, and cancelling a finished job.
    let (code, _) = call(addr, "GET", "/jobs/0123456789abcdef", None).await;
    assert_eq!(code, 404);
    let (code, _) = call(addr, "GET", "/jobs/not%20a%20key", None).await;
    assert_eq!(code, 400);
    let (code, _) = call(addr, "DELETE", &format!("/jobs/{key}"), None).await;
    assert_eq!(code, 409);

    stop.send(()).ok();
    server.await.unwrap().expect("the server stops cleanly");
    println!("server stopped");
}
