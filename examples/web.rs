//! A small web service over [`#[async_compute]`](strand_au::async_compute),
//! with [axum]: one request starts a computation and answers at once with
//! its key; later requests, knowing only that key, read its status,
//! progress and result, cancel it, or wait for it without blocking a worker
//! thread of the server.
//!
//! | request | answer |
//! |---|---|
//! | `POST /jobs` with `{"n": 30}` (optionally `"step_ms": 20`) | `202 {"key": "..."}`: [`sum_of_squares()`] started |
//! | `GET /jobs/{key}` | `200` with the [status body](status_body) |
//! | `GET /jobs/{key}/wait` (optionally `?timeout_ms=...`) | `200` with the status body once the job has finished (or the timeout expired), awaited with [`ComputationHandle::join_async`] |
//! | `DELETE /jobs/{key}` | `202 {"cancelled": true, ...}`, or `409` when it had already finished |
//!
//! A key that does not parse as a [`Key`] is `400`, a key with no record
//! `404`, a store failure `500`; every error body is `{"error": "..."}`.
//!
//! `examples/au_axum.rs` serves [`router`] on loopback and drives it with
//! [`request`], a tiny HTTP/1.1 client; `examples/tests/web.rs` tests it the
//! same way.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use strand_au::{
    CancelOutcome, ComputationError, ComputationHandle, ComputationStore, Key, KeyError,
    MemoryStore, Status, async_compute, current_computation,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest `n` a request may ask for.
pub const MAX_N: u64 = 100_000;

/// The longest `step_ms` a request may ask for.
pub const MAX_STEP_MS: u64 = 1_000;

/// Adds up the squares of `1..=n`, one term every `step_ms` milliseconds,
/// reporting progress after each term (`"i of n"`), and stops early once
/// the job is cancelled. `n = 0` fails the computation.
///
/// # Errors
///
/// `n` is 0, or the store cannot record progress.
#[async_compute(store = MemoryStore::new())]
pub fn sum_of_squares(n: u64, step_ms: u64) -> Result<u64, String> {
    if n == 0 {
        return Err("n must be at least 1".to_owned());
    }
    let me = current_computation();
    let mut total = 0u64;
    for i in 1..=n {
        if me.is_cancelled() {
            return Ok(total); // discarded: the record stays Cancelled
        }
        std::thread::sleep(Duration::from_millis(step_ms));
        total += i * i;
        me.set_progress(i as f64 / n as f64, &format!("{i} of {n}"))
            .map_err(|e| e.to_string())?;
    }
    Ok(total)
}

/// What the handlers share: the store of the records, which is
/// [`sum_of_squares()`]'s (a cheap handle on shared state, so a handler
/// rebuilds any job's handle from its key alone).
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn ComputationStore>,
}

impl AppState {
    /// The state over [`sum_of_squares()`]'s store.
    pub fn new() -> AppState {
        AppState {
            store: sum_of_squares::store(),
        }
    }

    /// The store of the records.
    pub fn store(&self) -> &Arc<dyn ComputationStore> {
        &self.store
    }

    fn handle(&self, key: Key) -> ComputationHandle<u64> {
        ComputationHandle::from_key(key, self.store.clone())
    }
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}

/// The body of `POST /jobs`.
#[derive(Debug, Clone, Deserialize)]
pub struct JobRequest {
    /// How many terms to add up (1 to [`MAX_N`]; 0 starts a job that fails).
    pub n: u64,
    /// Milliseconds per term (at most [`MAX_STEP_MS`]); 20 by default.
    #[serde(default = "default_step_ms")]
    pub step_ms: u64,
}

fn default_step_ms() -> u64 {
    20
}

/// The query of `GET /jobs/{key}/wait`.
#[derive(Debug, Clone, Deserialize)]
pub struct WaitQuery {
    /// Give up waiting after this many milliseconds and answer the current
    /// status (the job goes on); no limit by default.
    pub timeout_ms: Option<u64>,
}

/// The service's routes (see the [module documentation](self)).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/jobs", post(start_job))
        .route("/jobs/{key}", get(job_status).delete(cancel_job))
        .route("/jobs/{key}/wait", get(wait_job))
        .with_state(state)
}

fn error(code: StatusCode, message: impl Into<String>) -> Response {
    (code, axum::Json(json!({ "error": message.into() }))).into_response()
}

fn malformed_key(e: &KeyError) -> Response {
    error(StatusCode::BAD_REQUEST, format!("malformed key: {e}"))
}

fn computation_error(e: &ComputationError) -> Response {
    if e.is_unknown_key() {
        error(StatusCode::NOT_FOUND, "no such job")
    } else {
        error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

/// The JSON a status request answers for `handle`: `key`, `status`
/// (`pending`, `running`, `completed`, `failed` or `cancelled`), `progress`
/// (a fraction) and `message` once the job has reported progress, `result`
/// when it completed, `error` when it failed.
///
/// # Errors
///
/// What reading the record failed with ([`ComputationError::UnknownKey`]
/// for a key with no record).
pub fn status_body(handle: &ComputationHandle<u64>) -> Result<Value, ComputationError> {
    let record = handle.record()?;
    let mut body = json!({ "key": handle.key(), "status": record.status });
    if let Some(p) = &record.progress {
        body["progress"] = json!(p.fraction);
        body["message"] = json!(p.message);
    }
    match (record.status, handle.try_join()) {
        (Status::Completed, Ok(total)) => body["result"] = json!(total),
        (Status::Failed, Err(e)) => body["error"] = json!(e.to_string()),
        _ => {}
    }
    Ok(body)
}

fn status_response(handle: &ComputationHandle<u64>) -> Response {
    match status_body(handle) {
        Ok(body) => (StatusCode::OK, axum::Json(body)).into_response(),
        Err(e) => computation_error(&e),
    }
}

/// `POST /jobs`.
async fn start_job(State(_): State<AppState>, axum::Json(job): axum::Json<JobRequest>) -> Response {
    if job.n > MAX_N || job.step_ms > MAX_STEP_MS {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("n must be at most {MAX_N} and step_ms at most {MAX_STEP_MS}"),
        );
    }
    // Records the job and starts it on its own thread; returns at once.
    let handle = sum_of_squares(job.n, job.step_ms);
    (
        StatusCode::ACCEPTED,
        axum::Json(json!({ "key": handle.key() })),
    )
        .into_response()
}

/// `GET /jobs/{key}`.
async fn job_status(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    match key.parse() {
        Ok(key) => status_response(&state.handle(key)),
        Err(e) => malformed_key(&e),
    }
}

/// `GET /jobs/{key}/wait`: awaits the outcome without holding a worker
/// thread of the server, then answers like `GET /jobs/{key}`.
async fn wait_job(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<WaitQuery>,
) -> Response {
    let handle = match key.parse() {
        Ok(key) => state.handle(key),
        Err(e) => return malformed_key(&e),
    };
    let outcome = match query.timeout_ms {
        Some(ms) => handle.join_timeout_async(Duration::from_millis(ms)).await,
        None => handle.join_async().await,
    };
    match outcome {
        // A failure, a cancellation or an expired timeout is told by the
        // status body; an unknown key or a broken store is not.
        Err(e @ (ComputationError::UnknownKey(_) | ComputationError::Store(_))) => {
            computation_error(&e)
        }
        _ => status_response(&handle),
    }
}

/// `DELETE /jobs/{key}`.
async fn cancel_job(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let handle = match key.parse() {
        Ok(key) => state.handle(key),
        Err(e) => return malformed_key(&e),
    };
    let outcome = match handle.cancel() {
        Ok(CancelOutcome::AlreadyFinished) => {
            return error(StatusCode::CONFLICT, "already finished");
        }
        Ok(CancelOutcome::NotStarted) => "not_started",
        Ok(_) => "requested",
        Err(e) => return computation_error(&e),
    };
    let body = json!({ "key": handle.key(), "cancelled": true, "outcome": outcome });
    (StatusCode::ACCEPTED, axum::Json(body)).into_response()
}

/// A tiny HTTP/1.1 client, enough to drive [`router`] over loopback:
/// sends `method path` to `addr` (with `body` as JSON, if any) on a new
/// connection, and returns the status code and the body, parsed as JSON
/// (a body that is not JSON comes back as a JSON string).
///
/// # Errors
///
/// The connection failed, or the answer is not HTTP.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));

    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(payload.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?; // the server closes: Connection: close
    let answer = String::from_utf8_lossy(&answer);

    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad("no status code"))?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Err(bad("chunked bodies are not supported"));
    }
    let body = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    Ok((code, body))
}
