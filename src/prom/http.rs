//! The little HTTP/1.1 that the two Prometheus doors need, over std's TCP:
//! reading a request's head (bounded in size and time) and writing a
//! response for the `/metrics` server, and one request with its response's
//! status for the Pushgateway client. `Connection: close` everywhere: one
//! exchange per connection.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The content type of the text exposition (format 0.0.4; the `# UNIT` and
/// `# EOF` lines of OpenMetrics in it are comments there).
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The most bytes read of a request's head, or of a response.
const MAX_HEAD: usize = 16 * 1024;

/// How long one read or write may block.
pub(super) const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// The method and path of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequestHead {
    /// GET, HEAD, ...
    pub(super) method: String,
    /// The path, query string dropped.
    pub(super) path: String,
}

/// Parses a request line: `METHOD PATH HTTP/1.x`.
pub(super) fn parse_request_line(line: &str) -> Option<RequestHead> {
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !version.starts_with("HTTP/1.") || method.is_empty() {
        return None;
    }
    let path = target.split('?').next().unwrap_or(target);
    Some(RequestHead {
        method: method.to_owned(),
        path: path.to_owned(),
    })
}

/// Reads a request's head from `s` (until the blank line, at most
/// [`MAX_HEAD`] bytes): None for anything that is not a request.
pub(super) fn read_request(s: &mut TcpStream) -> Option<RequestHead> {
    let head = read_until_blank_line(s).ok()?;
    let text = String::from_utf8_lossy(&head);
    parse_request_line(text.lines().next()?)
}

/// Reads until `\r\n\r\n` (or the end, or [`MAX_HEAD`] bytes).
fn read_until_blank_line(s: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while buf.len() < MAX_HEAD && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

/// Writes a whole response: status, content type, length, body (left out
/// for HEAD, its length still given).
pub(super) fn respond(
    s: &mut impl Write,
    status: &str,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    if !head_only {
        s.write_all(body)?;
    }
    s.flush()
}

/// A response to a request this client sent: the status code and the
/// start of the body (to quote in an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Response {
    /// The status code, e.g. 200.
    pub(super) status: u16,
    /// The status line, e.g. `HTTP/1.1 400 Bad Request`.
    pub(super) status_line: String,
    /// The body's first line, trimmed.
    pub(super) body_line: String,
}

/// Parses a response (its head and the start of its body).
pub(super) fn parse_response(raw: &[u8]) -> Option<Response> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status_line = head.lines().next()?.trim().to_owned();
    let mut parts = status_line.split(' ');
    let version = parts.next()?;
    let status = parts.next()?.parse().ok()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let body_line = body.lines().next().unwrap_or("").trim().to_owned();
    Some(Response {
        status,
        status_line,
        body_line,
    })
}

/// Sends `request` (head and body, already formatted) on `s` and reads the
/// response (at most [`MAX_HEAD`] bytes of it).
pub(super) fn exchange(s: &mut TcpStream, request: &[u8]) -> io::Result<Response> {
    s.write_all(request)?;
    s.flush()?;
    let mut raw = Vec::new();
    s.take(MAX_HEAD as u64).read_to_end(&mut raw)?;
    parse_response(&raw).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the answer is not an HTTP/1 response",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let r = parse_request_line("GET /metrics?x=1 HTTP/1.1").unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/metrics"));
        for bad in [
            "",
            "GET",
            "GET /",
            "GET / HTTP/2",
            "GET / HTTP/1.1 x",
            " / HTTP/1.0",
        ] {
            assert_eq!(parse_request_line(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn responses() {
        let r = parse_response(
            b"HTTP/1.1 400 Bad Request\r\nA: b\r\n\r\npushed metrics are invalid\nmore",
        )
        .unwrap();
        assert_eq!(r.status, 400);
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
        assert_eq!(r.body_line, "pushed metrics are invalid");
        assert_eq!(parse_response(b"HTTP/1.0 202").unwrap().status, 202);
        for bad in [&b""[..], b"SSH-2.0", b"HTTP/1.1 abc"] {
            assert_eq!(parse_response(bad), None);
        }
    }

    #[test]
    fn a_response_has_its_length_and_head_leaves_the_body_out() {
        let mut out = Vec::new();
        respond(&mut out, "200 OK", "text/plain", b"abc", true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Content-Length: 3\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }

    #[test]
    fn a_head_is_read_to_its_blank_line() {
        let mut input: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
        let head = read_until_blank_line(&mut input).unwrap();
        assert!(head.ends_with(b"\r\n\r\nbody"));
    }
}
