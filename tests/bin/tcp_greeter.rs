//! The TCP server child of the tests in `tests/run_process.rs`: listens on
//! a loopback port and writes a greeting to every connection, until it is
//! killed.
//!
//! ```text
//! tcp_greeter <port> <greeting>
//! ```

use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(greeting), None) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: tcp_greeter <port> <greeting>");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("a port number");
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("bind the test port");
    for stream in listener.incoming() {
        let _ = stream.and_then(|mut stream| stream.write_all(greeting.as_bytes()));
    }
}
