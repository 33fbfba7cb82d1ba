//! The wire protocol between a parent and a worker process.
//!
//! Every message is a frame: a little-endian `u32` length, then that many
//! bytes. Frames travel over a dedicated Unix socket (the child's standard
//! input, which the child swaps for `/dev/null` before running anything), so
//! nothing a task prints can reach the protocol.
//!
//! ```text
//! request: [format: u8 | 0x80 if acknowledged] [name length: u16 LE] [name] [arguments]
//! reply:   [tag: u8] [data]
//!          tag 0 value (encoded value) · 1 panic (message)
//!          tag 2 error (kind: u8, message)
//! started: [tag 3]
//! ```
//!
//! A request with the acknowledgement bit set is answered twice: first a
//! `started` frame, written before the child runs anything for it (a
//! child that cannot write it runs nothing and exits), then the reply. So
//! a parent that loses the child before the `started` frame arrives knows
//! the request did not run, and may send it to another child; once the
//! frame is written, it stays readable even if the child dies at once.

use std::io::{self, Read, Write};

use super::serialization::Serialization;

/// The largest frame either side accepts (1 GiB); anything longer is garbage.
pub(crate) const MAX_FRAME: usize = 1 << 30;

/// What a child sends back for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The function's value, encoded.
    Value(Vec<u8>),
    /// The function panicked with this message.
    Panic(String),
    /// The child could not run the function.
    Error(ChildErrorKind, String),
}

/// Why a child could not run a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildErrorKind {
    /// No function of that name is registered in the binary.
    UnknownFunction,
    /// The arguments did not decode as the function's parameter types.
    Arguments,
    /// The value did not encode.
    Value,
    /// Two functions share a name in the binary.
    Registry,
    /// The request itself was malformed.
    Protocol,
}

impl ChildErrorKind {
    fn code(self) -> u8 {
        match self {
            ChildErrorKind::UnknownFunction => 0,
            ChildErrorKind::Arguments => 1,
            ChildErrorKind::Value => 2,
            ChildErrorKind::Registry => 3,
            ChildErrorKind::Protocol => 4,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => ChildErrorKind::UnknownFunction,
            1 => ChildErrorKind::Arguments,
            2 => ChildErrorKind::Value,
            3 => ChildErrorKind::Registry,
            4 => ChildErrorKind::Protocol,
            _ => return None,
        })
    }
}

/// The bit of a request's first byte that asks for a `started` frame.
const ACKNOWLEDGE: u8 = 0x80;

/// The tag of the `started` frame.
const STARTED: u8 = 3;

/// A decoded request.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) format: Serialization,
    pub(crate) name: &'a str,
    pub(crate) payload: &'a [u8],
    /// The parent wants a `started` frame before the request runs.
    pub(crate) acknowledge: bool,
}

pub(crate) fn encode_request(
    format: Serialization,
    name: &str,
    payload: &[u8],
    acknowledge: bool,
) -> Vec<u8> {
    let name_len = u16::try_from(name.len()).expect("function names are short");
    let mut frame = Vec::with_capacity(4 + 3 + name.len() + payload.len());
    frame.extend_from_slice(&[0; 4]);
    frame.push(format.code() | if acknowledge { ACKNOWLEDGE } else { 0 });
    frame.extend_from_slice(&name_len.to_le_bytes());
    frame.extend_from_slice(name.as_bytes());
    frame.extend_from_slice(payload);
    seal(frame)
}

pub(crate) fn decode_request(body: &[u8]) -> Result<Request<'_>, String> {
    let (&first, rest) = body.split_first().ok_or("empty request")?;
    let acknowledge = first & ACKNOWLEDGE != 0;
    let format =
        Serialization::from_code(first & !ACKNOWLEDGE).ok_or("unknown serialization code")?;
    if rest.len() < 2 {
        return Err("request too short for its name".into());
    }
    let name_len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
    let rest = &rest[2..];
    if rest.len() < name_len {
        return Err("request too short for its name".into());
    }
    let name = std::str::from_utf8(&rest[..name_len]).map_err(|_| "function name is not UTF-8")?;
    Ok(Request {
        format,
        name,
        payload: &rest[name_len..],
        acknowledge,
    })
}

/// The `started` frame, length prefix included.
pub(crate) fn encode_started() -> Vec<u8> {
    seal(vec![0, 0, 0, 0, STARTED])
}

/// Whether `body` is a `started` frame.
pub(crate) fn is_started(body: &[u8]) -> bool {
    body == [STARTED]
}

pub(crate) fn encode_reply(reply: &Reply) -> Vec<u8> {
    let mut frame = vec![0; 4];
    match reply {
        Reply::Value(bytes) => {
            frame.push(0);
            frame.extend_from_slice(bytes);
        }
        Reply::Panic(message) => {
            frame.push(1);
            frame.extend_from_slice(message.as_bytes());
        }
        Reply::Error(kind, message) => {
            frame.push(2);
            frame.push(kind.code());
            frame.extend_from_slice(message.as_bytes());
        }
    }
    seal(frame)
}

pub(crate) fn decode_reply(mut body: Vec<u8>) -> Result<Reply, String> {
    if body.is_empty() {
        return Err("empty reply frame".into());
    }
    let tag = body.remove(0);
    let text = |bytes: Vec<u8>| {
        String::from_utf8(bytes).map_err(|_| "reply message is not UTF-8".to_owned())
    };
    match tag {
        0 => Ok(Reply::Value(body)),
        1 => Ok(Reply::Panic(text(body)?)),
        2 if !body.is_empty() => {
            let code = body.remove(0);
            let kind = ChildErrorKind::from_code(code)
                .ok_or_else(|| format!("unknown error code {code} in reply"))?;
            Ok(Reply::Error(kind, text(body)?))
        }
        other => Err(format!("unknown reply tag {other}")),
    }
}

/// Writes the length prefix into the first four bytes.
fn seal(mut frame: Vec<u8>) -> Vec<u8> {
    let len = u32::try_from(frame.len() - 4).expect("frames are under 4 GiB");
    frame[..4].copy_from_slice(&len.to_le_bytes());
    frame
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub(crate) fn read_frame(reader: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match reader.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is over the {MAX_FRAME}-byte limit"),
        ));
    }
    // The buffer grows with what arrives (at most doubling), not with what
    // the prefix claims: a stream that claims 1 GiB and ends after a few
    // bytes allocates a few bytes' worth.
    let mut body = Vec::new();
    while body.len() < len {
        let start = body.len();
        let step = (len - start).min(start.max(FIRST_READ));
        body.resize(start + step, 0);
        reader.read_exact(&mut body[start..])?;
    }
    Ok(Some(body))
}

/// How much of a frame's body [`read_frame`] allocates before any of it
/// has arrived.
const FIRST_READ: usize = 64 * 1024;

pub(crate) fn write_frame(writer: &mut impl Write, frame: &[u8]) -> io::Result<()> {
    writer.write_all(frame)?;
    writer.flush()
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        for acknowledge in [false, true] {
            for format in [Serialization::Json, Serialization::Binary] {
                let frame = encode_request(format, "m::f", b"\x01\x02", acknowledge);
                let body = read_frame(&mut &frame[..]).unwrap().unwrap();
                let request = decode_request(&body).unwrap();
                assert_eq!(request.format, format);
                assert_eq!(request.name, "m::f");
                assert_eq!(request.payload, b"\x01\x02");
                assert_eq!(request.acknowledge, acknowledge);
            }
        }
    }

    #[test]
    fn the_started_frame_is_no_reply() {
        let frame = encode_started();
        let body = read_frame(&mut &frame[..]).unwrap().unwrap();
        assert!(is_started(&body));
        assert!(decode_reply(body).is_err());
        for reply in [Reply::Value(vec![3]), Reply::Panic(String::new())] {
            let frame = encode_reply(&reply);
            assert!(!is_started(&read_frame(&mut &frame[..]).unwrap().unwrap()));
        }
    }

    #[test]
    fn replies_round_trip() {
        for reply in [
            Reply::Value(b"[1,2]".to_vec()),
            Reply::Panic("boom".into()),
            Reply::Error(ChildErrorKind::UnknownFunction, "no `x`".into()),
        ] {
            let frame = encode_reply(&reply);
            let body = read_frame(&mut &frame[..]).unwrap().unwrap();
            assert_eq!(decode_reply(body).unwrap(), reply);
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode_reply(vec![9, 1, 2]).is_err());
        assert!(decode_reply(vec![2, 200]).is_err());
        assert!(decode_request(&[7]).is_err());
        assert!(decode_request(&[0, 50, 0, b'a']).is_err());
        let huge = [0xff, 0xff, 0xff, 0xff];
        assert!(read_frame(&mut &huge[..]).is_err());
        let short = [5, 0, 0, 0, 1];
        assert!(read_frame(&mut &short[..]).is_err());
        assert!(read_frame(&mut &[][..]).unwrap().is_none());
    }
}
