//! The connected TCP socket of a `tcp-session:PORT` probe: non-blocking,
//! TCP_NODELAY (every probe message leaves at once, not held back by Nagle
//! while an earlier one is unacknowledged), with kernel software receive
//! timestamps.
//!
//! On a stream socket `SO_TIMESTAMPING` with `SOF_TIMESTAMPING_RX_SOFTWARE`
//! gives, per `recvmsg`, the RX stamp of the last segment the read took bytes
//! from (Linux `tcp_recv_timestamp`): exact for a message that arrived in
//! one segment, at most the later segment's arrival for one split across
//! two. No TX stamps: TCP's are keyed by byte offset and taken at each
//! (re)transmission, which is not "when the application wrote".

use super::socket::{recvmsg, setsockopt};
use crate::types::RealNs;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::Duration;

/// What one read of a stream socket gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRead {
    /// `n` bytes, with the kernel RX stamp if the kernel gave one.
    Data(usize, Option<RealNs>),
    /// The peer closed its side (FIN): no more bytes will come.
    Closed,
    /// Nothing queued now.
    Empty,
}

/// A connected, non-blocking TCP socket with RX timestamps.
#[derive(Debug)]
pub struct StreamSocket {
    sock: Socket,
}

impl StreamSocket {
    /// Connects to `dst`:`port`, waiting at most `timeout`.
    pub fn connect(dst: IpAddr, port: u16, timeout: Duration) -> io::Result<StreamSocket> {
        let addr = SocketAddr::new(dst, port);
        let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        sock.connect_timeout(&SockAddr::from(addr), timeout)?;
        sock.set_nonblocking(true)?;
        sock.set_nodelay(true)?;
        let flags =
            (libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE) as libc::c_int;
        setsockopt(&sock, libc::SOL_SOCKET, libc::SO_TIMESTAMPING, &flags)?;
        Ok(StreamSocket { sock })
    }

    /// Writes what the send buffer takes of `buf` without blocking (never
    /// SIGPIPE); `Ok(0)` when the buffer is full.
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self
            .sock
            .send_with_flags(buf, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT)
        {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            other => other,
        }
    }

    /// Reads what is queued into `buf` without blocking. After bytes, the
    /// next ACK is sent at once (TCP_QUICKACK, which the kernel clears
    /// again): an echo that does not set TCP_NODELAY holds its next small
    /// write (Nagle) until its last one is acknowledged, and a delayed ACK
    /// (up to 40 ms) would be added to the next probe's round trip.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<StreamRead> {
        Ok(match recvmsg(&self.sock, buf, libc::MSG_DONTWAIT)? {
            None => StreamRead::Empty,
            Some(r) if r.len == 0 => StreamRead::Closed,
            Some(r) => {
                let _ = setsockopt(&self.sock, libc::IPPROTO_TCP, libc::TCP_QUICKACK, &1i32);
                StreamRead::Data(r.len, r.control.stamp)
            }
        })
    }
}

/// Waits up to `timeout_ms` until one of `socks` can be read (bytes, a FIN
/// or an error to collect); returns which, in order.
pub fn wait_readable(socks: &[&StreamSocket], timeout_ms: i32) -> io::Result<Vec<bool>> {
    let mut fds: Vec<libc::pollfd> = socks
        .iter()
        .map(|s| libc::pollfd {
            fd: s.sock.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    if fds.is_empty() {
        std::thread::sleep(Duration::from_millis(timeout_ms.max(0) as u64));
        return Ok(Vec::new());
    }
    // SAFETY: `fds` is a live array of `fds.len()` pollfds for the call.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(fds
        .iter()
        .map(|p| p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0)
        .collect())
}
