//! `--listen ADDR`: a `/metrics` endpoint on a thread of its own, answering
//! one request at a time (a scraper every few seconds, not a crowd), each
//! with what `render` gives at that moment. The socket is bound when the
//! flags are checked, so a bad address or a port in use fails before any
//! probe is sent.

use super::http::{read_request, respond, CONTENT_TYPE, IO_TIMEOUT};
use anyhow::{bail, Result};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};

/// A bound `/metrics` socket, not serving yet.
#[derive(Debug)]
pub(crate) struct MetricsListener {
    listener: TcpListener,
    addr: SocketAddr,
}

impl MetricsListener {
    /// Binds `--listen ADDR` (`127.0.0.1:9465`, `[::1]:9465`, `localhost:9465`,
    /// `0.0.0.0:9465`); every error names the flag.
    pub(crate) fn bind(text: &str) -> Result<MetricsListener> {
        let fix = "give HOST:PORT, e.g. --listen 127.0.0.1:9465 or --listen [::1]:9465";
        let addrs: Vec<SocketAddr> = match text.to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(e) => bail!("--listen {text:?}: not an address to listen on ({e}): {fix}"),
        };
        let Some(&first) = addrs.first() else {
            bail!("--listen {text:?}: the name has no address: {fix}");
        };
        let listener = match TcpListener::bind(first) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
                "--listen {text}: the port is in use ({e}): pick another port, or stop what listens there"
            ),
            Err(e) => bail!("--listen {text}: cannot listen on {first} ({e}): {fix}"),
        };
        let addr = listener.local_addr().unwrap_or(first);
        Ok(MetricsListener { listener, addr })
    }

    /// The address bound (with the port the system chose for port 0).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `/metrics` with `render()` on a thread of its own until the
    /// process ends.
    pub(crate) fn serve(self, render: impl Fn() -> Vec<u8> + Send + 'static) {
        std::thread::spawn(move || {
            for stream in self.listener.incoming() {
                match stream {
                    Ok(s) => answer(s, &render),
                    // A failed accept (a reset connection, no file descriptor
                    // left) ends nothing; a pause keeps a lasting one from spinning.
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
        });
    }
}

/// Answers one connection: `/metrics` (GET or HEAD), 404 or 405 for the rest.
fn answer(mut s: TcpStream, render: &impl Fn() -> Vec<u8>) {
    let _ = s.set_read_timeout(Some(IO_TIMEOUT));
    let _ = s.set_write_timeout(Some(IO_TIMEOUT));
    let Some(req) = read_request(&mut s) else {
        let _ = respond(
            &mut s,
            "400 Bad Request",
            "text/plain",
            b"bad request\n",
            false,
        );
        return;
    };
    let head_only = req.method == "HEAD";
    let _ = match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/metrics") => {
            respond(&mut s, "200 OK", CONTENT_TYPE, &render(), head_only)
        }
        ("GET" | "HEAD", _) => respond(
            &mut s,
            "404 Not Found",
            "text/plain",
            b"migprobe serves /metrics\n",
            head_only,
        ),
        _ => respond(
            &mut s,
            "405 Method Not Allowed",
            "text/plain",
            b"GET /metrics\n",
            false,
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(addr: SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_metrics_and_refuses_the_rest() {
        let l = MetricsListener::bind("127.0.0.1:0").unwrap();
        let addr = l.addr();
        l.serve(|| b"x 1\n".to_vec());
        let ok = get(addr, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(
            ok.contains(CONTENT_TYPE) && ok.ends_with("\r\n\r\nx 1\n"),
            "{ok}"
        );
        assert!(get(addr, "GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(get(addr, "POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
        assert!(get(addr, "nonsense\r\n\r\n").starts_with("HTTP/1.1 400"));
    }

    #[test]
    fn bad_addresses_and_ports_in_use_name_the_flag() {
        let taken = MetricsListener::bind("127.0.0.1:0").unwrap();
        let busy = taken.addr().to_string();
        for bad in ["nonsense", "127.0.0.1", "127.0.0.1:99999", busy.as_str()] {
            let e = MetricsListener::bind(bad).unwrap_err().to_string();
            assert!(e.starts_with("--listen "), "{bad}: {e}");
        }
    }
}
