//! `RunProcess`: a helper server that lives exactly as long as a guard.
//!
//! The example starts a small HTTP server in a child process (this same
//! program, re-run with an environment variable that makes it serve), waits
//! until its port accepts connections, fetches a page from it, shows that a
//! second start is skipped while the port is taken, and that the server is
//! gone once the guard is dropped. It ends with the error a child that exits
//! before it is ready produces.
//!
//! Run with `cargo run --example run_process` (Unix only).

#[cfg(unix)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    unix::main()
}

#[cfg(not(unix))]
fn main() {
    println!("run_process needs Unix process groups and signals; nothing to show here");
}

#[cfg(unix)]
mod unix {
    use std::error::Error;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
    use std::process::Command;
    use std::time::Duration;

    use strand::RunProcess;
    use strand::run_process::port_is_open;

    /// Set in the child: the port to serve on.
    const SERVE_PORT: &str = "STRAND_EXAMPLE_SERVE_PORT";

    pub(crate) fn main() -> Result<(), Box<dyn Error>> {
        if let Ok(port) = std::env::var(SERVE_PORT) {
            return serve(port.parse()?);
        }

        // A loopback port that was free a moment ago.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let server = || {
            let mut command = Command::new(std::env::current_exe().expect("this program"));
            command.env(SERVE_PORT, port.to_string());
            command
        };

        let guard = RunProcess::new(server())
            .name("helper server")
            .already_running(|| port_is_open(addr))
            .ready_when_port_open(addr)
            .ready_timeout(Duration::from_secs(10))
            .grace_period(Duration::from_secs(2))
            .start()?;
        let pid = guard.pid().expect("nothing listened on the port before");
        println!(
            "started `{}` (pid {pid}); {addr} accepts connections",
            guard.name()
        );

        let (status_line, body) = http_get(addr, "/hello")?;
        println!("GET /hello -> {status_line}: {body:?}");

        // While it runs, another start with the same check is skipped.
        let again = RunProcess::new(server())
            .already_running(|| port_is_open(addr))
            .start()?;
        println!(
            "second start while the port is taken: was_started() = {}",
            again.was_started()
        );
        drop(again); // owns nothing: does nothing

        drop(guard); // SIGTERM to the server's process group, then reaped
        println!(
            "after the drop: port open = {}, pid {pid} still alive = {}",
            port_is_open(addr),
            std::path::Path::new(&format!("/proc/{pid}")).exists()
        );

        // A child that dies before it is ready is an error with its exit status.
        let mut broken = Command::new("sh");
        broken.args([
            "-c",
            "echo 'broken server (on stderr): simulated start-up failure' >&2; exit 2",
        ]);
        let error = RunProcess::new(broken)
            .name("broken server")
            .ready_when_port_open(addr)
            .start()
            .expect_err("the script exits at once");
        println!("starting a server that exits at once: {error}");
        Ok(())
    }

    /// A plain HTTP/1.0 GET over std::net: the status line and the body.
    fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(String, String)> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status_line = head.lines().next().unwrap_or_default().to_owned();
        Ok((status_line, body.to_owned()))
    }

    /// The child: answers every request with its pid and the path asked for.
    fn serve(port: u16) -> Result<(), Box<dyn Error>> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            // Read the whole request head, so that closing the connection
            // does not reset it under the client.
            let mut reader = BufReader::new(&stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header.trim() != "" {
                header.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let body = format!(
                "hello from the helper server (pid {}), you asked for {path}",
                std::process::id()
            );
            let _ = write!(
                stream,
                "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
        Ok(())
    }
}
