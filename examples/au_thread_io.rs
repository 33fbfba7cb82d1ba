//! The thread backend for I/O-bound work: each computation gets a thread of
//! its own, so computations that mostly wait (on the network, a disk, a
//! subprocess) overlap instead of queueing behind a few workers.
//!
//! The example starts a small HTTP server on localhost that answers every
//! request after 200 ms, then fetches eight pages at once; they finish in
//! about 200 ms in all, not 1.6 s. A missing page is an `Err`, so its
//! computation fails with the error's message.
//!
//! Run with `cargo run --example au_thread_io`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use strand_au::{ComputationStore, Status, TempStore, ThreadBackend, async_compute};

const DELAY: Duration = Duration::from_millis(200);

static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();

fn store() -> Arc<dyn ComputationStore> {
    STORE.get().expect("main sets the store first").clone()
}

/// Fetches `url` (plain `http://host:port/path`) and returns the body.
#[async_compute(store = store(), backend = ThreadBackend::new())]
fn fetch_data(url: String) -> io::Result<String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "only http:// URLs"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no HTTP header"))?;
    let status_line = head.lines().next().unwrap_or_default();
    if !status_line.contains(" 200 ") {
        return Err(io::Error::other(format!("GET {url}: {status_line}")));
    }
    Ok(body.to_owned())
}

/// Serves `/item/<n>` as a small JSON document, after `DELAY`; anything else is 404.
fn start_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind localhost");
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = serve(stream);
            });
        }
    });
    addr
}

fn serve(mut stream: TcpStream) -> io::Result<()> {
    // Read the whole request head: closing with unread bytes would reset
    // the connection instead of ending it.
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    std::thread::sleep(DELAY);
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    match path.strip_prefix("/item/") {
        Some(n) => write!(
            stream,
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{{\"item\": {n}}}"
        ),
        None => write!(stream, "HTTP/1.0 404 Not Found\r\n\r\n"),
    }
}

fn main() {
    let temp = TempStore::new().expect("temp dir");
    STORE.set(temp.shared()).expect("set once");
    let addr = start_server();
    println!("server on {addr}, answering after {DELAY:?}");

    let urls: Vec<String> = (1..=8).map(|n| format!("http://{addr}/item/{n}")).collect();
    let start = Instant::now();
    let handles: Vec<_> = urls.iter().cloned().map(fetch_data).collect();
    let missing = fetch_data(format!("http://{addr}/nowhere"));
    println!(
        "launched {} fetches in {:?}",
        handles.len() + 1,
        start.elapsed()
    );

    for (url, handle) in urls.iter().zip(&handles) {
        let body = handle.join_timeout(Duration::from_secs(30)).unwrap();
        println!("  {url} -> {body}");
        assert!(body.starts_with("{\"item\": "));
    }
    let elapsed = start.elapsed();
    println!("all eight fetched in {elapsed:?}");
    // On threads the waits overlap: far less than eight times the delay.
    assert!(elapsed < DELAY * 6, "fetches did not overlap: {elapsed:?}");

    let err = missing.join_timeout(Duration::from_secs(30)).unwrap_err();
    println!("missing page: {err}");
    assert!(err.is_failed());
    assert!(err.to_string().ends_with("HTTP/1.0 404 Not Found"), "{err}");
    assert_eq!(missing.status().unwrap(), Status::Failed);

    // A closed port fails the same way, with the operating system's error.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let refused = fetch_data(format!("http://{closed}/item/1"))
        .join_timeout(Duration::from_secs(30))
        .unwrap_err();
    println!("closed port: {refused}");
    assert!(refused.is_failed());
}
